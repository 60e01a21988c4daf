/**
 * The core of annotate: value types and the detector API.
 *
 * <ul>
 *   <li>{@link dev.annotate.core.BoundingBox}, {@link dev.annotate.core.Annotation},
 *       {@link dev.annotate.core.AnnotatedImage}, {@link dev.annotate.core.LabelMap}: immutable records, pixel
 *       boxes in the displayed frame (EXIF orientation applied), conversions to the TF Object Detection API's
 *       normalised form, VOC integers and YOLO centre form beside the box type.</li>
 *   <li>{@link dev.annotate.core.Detector}, opened by {@link dev.annotate.core.Detectors#open} with typed
 *       {@link dev.annotate.core.DetectorOptions}; backends plug in through
 *       {@link dev.annotate.core.spi.DetectorProvider}.</li>
 * </ul>
 *
 * <pre>{@code
 * try (Detector detector = Detectors.open(Path.of("model.onnx"), DetectorOptions.defaults())) {
 *     AnnotatedImage result = detector.detect(Path.of("images/0001.jpg"));
 * }
 * }</pre>
 *
 * <p>Errors: bad arguments are {@link java.lang.IllegalArgumentException}s naming the value; malformed files
 * are {@link dev.annotate.core.FormatException}s naming the file and position; backend failures are
 * {@link dev.annotate.core.DetectorException}s.
 */
package dev.annotate.core;
