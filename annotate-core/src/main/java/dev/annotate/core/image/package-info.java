/**
 * Image reading in the displayed frame: {@link dev.annotate.core.image.Images} decodes to RGB with the EXIF
 * orientation applied and a size guard read from the header; {@link dev.annotate.core.image.ExifOrientation}
 * maps boxes and pixels between the stored and displayed frames.
 */
package dev.annotate.core.image;
