/**
 * Annotation formats beyond PASCAL VOC, registered for {@link dev.annotate.core.format.AnnotationFormats}:
 * {@link dev.annotate.formats.YoloFormat} ({@code yolo}).
 */
package dev.annotate.formats;
