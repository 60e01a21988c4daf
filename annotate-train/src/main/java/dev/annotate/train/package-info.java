/**
 * The primitive-model trainer: {@link dev.annotate.train.PrimitiveTrainer} learns a small CenterNet-style detector
 * from a {@link dev.annotate.core.format.Dataset} in any format, from scratch or warm-started from an earlier
 * model, on TensorFlow Java; {@link dev.annotate.train.SavedModelExport} writes it as a TF2 SavedModel (the ONNX
 * export is {@code dev.annotate.onnx.OnnxExport}). A module of its own so that an application that only runs
 * models does not ship the trainer.
 */
package dev.annotate.train;
