/**
 * Post-processing shared by every backend: {@link dev.annotate.core.processing.PostProcessing} (threshold,
 * label rules, clamping, suppression), {@link dev.annotate.core.processing.NonMaxSuppression}, and
 * {@link dev.annotate.core.processing.ResizeTransform} for letterbox and stretch geometry with exact inverse
 * mapping.
 */
package dev.annotate.core.processing;
