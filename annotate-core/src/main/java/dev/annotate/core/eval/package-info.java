/**
 * Evaluation of predictions against ground truth: {@link dev.annotate.core.eval.Evaluation} computes VOC2007,
 * VOC2012 and COCO average precision, and precision, recall and review effort for saved pre-annotations.
 */
package dev.annotate.core.eval;
