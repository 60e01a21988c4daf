/**
 * PASCAL VOC XML exactly as LabelImg writes it, and a reader that never loses a box silently:
 * {@link dev.annotate.voc.Voc} for direct use, {@link dev.annotate.voc.VocFormat} as the {@code voc}
 * annotation format.
 */
package dev.annotate.voc;
