package dev.annotate.train;

import java.time.Duration;

/**
 * One training step's report to a listener.
 *
 * @param step the step just done, from 1
 * @param steps the step limit
 * @param loss this step's loss (heatmap focal loss + log-size L1 + offset L1)
 * @param imagesPerSecond training throughput so far
 * @param elapsed training time so far
 * @param fraction how much of the step or time budget is spent, in {@code [0, 1]}
 * @param images the annotated images trained on
 * @param leftOutUnchecked machine-written annotation files left out because no person has checked them (see
 *     {@link TrainerOptions#includeUnchecked()})
 */
public record TrainingProgress(int step, int steps, float loss, double imagesPerSecond, Duration elapsed,
                               double fraction, int images, int leftOutUnchecked) {
}
