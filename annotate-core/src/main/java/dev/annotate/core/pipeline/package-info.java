/**
 * The pre-annotation pipeline: {@link dev.annotate.core.pipeline.PreAnnotator} runs a detector over an image
 * tree and writes one annotation file per image, safely (atomic writes, a person's files left alone) and
 * resumably.
 */
package dev.annotate.core.pipeline;
