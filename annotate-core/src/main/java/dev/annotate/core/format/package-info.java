/**
 * The annotation format SPI: {@link dev.annotate.core.format.AnnotationFormat} for any format,
 * {@link dev.annotate.core.format.PerImageFormat} for one-file-per-image formats such as PASCAL VOC, found by
 * name through {@link dev.annotate.core.format.AnnotationFormats}; lenient reading reports
 * {@link dev.annotate.core.format.Problem}s instead of losing data, and
 * {@link dev.annotate.core.format.AtomicFiles} writes files that are never seen half written.
 */
package dev.annotate.core.format;
