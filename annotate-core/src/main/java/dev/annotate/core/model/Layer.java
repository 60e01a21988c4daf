package dev.annotate.core.model;

import java.util.Objects;

/**
 * One step of a {@link PrimitiveModel}'s network. Every layer reads earlier layers (or {@link PrimitiveModel#INPUT})
 * by name and produces one NHWC float tensor under its own name.
 */
public sealed interface Layer {

    /** The name other layers read this layer's output by. */
    String name();

    /** What a convolution applies to its output. */
    enum Activation { NONE, RELU }

    /**
     * A 2-D convolution with TensorFlow's {@code SAME} padding (output size {@code ceil(in / stride)}, any odd
     * padding added at the bottom and right), a bias and an activation.
     *
     * @param name this layer's name
     * @param input the layer it reads
     * @param kernel square kernel side, odd
     * @param stride 1 or 2
     * @param inChannels channels read
     * @param outChannels channels written
     * @param activation applied after the bias
     * @param weights {@code kernel * kernel * inChannels * outChannels} values in HWIO order (TensorFlow's filter
     *     layout: the output channel varies fastest)
     * @param bias {@code outChannels} values
     */
    record Conv(String name, String input, int kernel, int stride, int inChannels, int outChannels,
                Activation activation, float[] weights, float[] bias) implements Layer {

        /** Validates the shape against the weight counts. */
        public Conv {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(activation, "activation");
            if (kernel < 1 || kernel % 2 == 0) {
                throw new IllegalArgumentException("conv '" + name + "': kernel (" + kernel + ") must be odd");
            }
            if (stride != 1 && stride != 2) {
                throw new IllegalArgumentException("conv '" + name + "': stride (" + stride + ") must be 1 or 2");
            }
            if (inChannels < 1 || outChannels < 1) {
                throw new IllegalArgumentException("conv '" + name + "': channels (" + inChannels + " -> "
                        + outChannels + ") must be >= 1");
            }
            if (weights.length != kernel * kernel * inChannels * outChannels) {
                throw new IllegalArgumentException("conv '" + name + "': " + weights.length + " weights, expected "
                        + kernel + "x" + kernel + "x" + inChannels + "x" + outChannels);
            }
            if (bias.length != outChannels) {
                throw new IllegalArgumentException("conv '" + name + "': " + bias.length + " biases, expected "
                        + outChannels);
            }
            weights = weights.clone();
            bias = bias.clone();
        }

        /** A copy of the weights (HWIO). */
        @Override
        public float[] weights() {
            return weights.clone();
        }

        /** A copy of the bias. */
        @Override
        public float[] bias() {
            return bias.clone();
        }

        /** The same layer with other weights and bias, for the trainer to store what it learnt. */
        public Conv withWeights(float[] newWeights, float[] newBias) {
            return new Conv(name, input, kernel, stride, inChannels, outChannels, activation, newWeights, newBias);
        }
    }

    /**
     * Nearest-neighbour upsampling by 2 in height and width: output pixel {@code (y, x)} is input pixel
     * {@code (y / 2, x / 2)}.
     *
     * @param name this layer's name
     * @param input the layer it reads
     */
    record Upsample(String name, String input) implements Layer {

        /** Checks the names. */
        public Upsample {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
        }
    }

    /**
     * Element-wise sum of two layers of the same shape.
     *
     * @param name this layer's name
     * @param left one layer
     * @param right the other
     */
    record Add(String name, String left, String right) implements Layer {

        /** Checks the names. */
        public Add {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(left, "left");
            Objects.requireNonNull(right, "right");
        }
    }
}
