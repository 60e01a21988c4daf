package dev.annotate.core.model;

import java.util.List;
import java.util.Objects;

/**
 * One step of a {@link PrimitiveModel}'s network. Every layer reads earlier layers (or {@link PrimitiveModel#INPUT})
 * by name and produces one NHWC float tensor under its own name.
 */
public sealed interface Layer {

    /** The name other layers read this layer's output by. */
    String name();

    /** What a convolution applies to its output: nothing, ReLU, or leaky ReLU with slope 0.1 below zero. */
    enum Activation { NONE, RELU, LEAKY_RELU }

    /**
     * How a convolution pads its input. Both give an output of {@code ceil(in / stride)} for the odd kernels a
     * {@link Conv} has; they differ for a stride of 2 on an even side, where they sample the input one pixel
     * apart.
     */
    enum Padding {
        /** TensorFlow's {@code SAME}: the padding a stride needs, any odd pixel added at the bottom and right. */
        SAME,
        /**
         * {@code (kernel - 1) / 2} zeros on every side, as PyTorch's {@code padding=k//2} (NanoDet's layers).
         */
        SYMMETRIC
    }

    /**
     * A 2-D convolution (output size {@code ceil(in / stride)}), a bias and an activation.
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
     * @param padding how the input is padded
     */
    record Conv(String name, String input, int kernel, int stride, int inChannels, int outChannels,
                Activation activation, float[] weights, float[] bias, Padding padding) implements Layer {

        /** Validates the shape against the weight counts. */
        public Conv {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(activation, "activation");
            Objects.requireNonNull(padding, "padding");
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

        /** A convolution with TensorFlow's {@link Padding#SAME} padding, the primitive network's. */
        public Conv(String name, String input, int kernel, int stride, int inChannels, int outChannels,
                    Activation activation, float[] weights, float[] bias) {
            this(name, input, kernel, stride, inChannels, outChannels, activation, weights, bias, Padding.SAME);
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
            return new Conv(name, input, kernel, stride, inChannels, outChannels, activation, newWeights, newBias,
                    padding);
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

    /**
     * Each channel scaled and shifted: {@code y[c] = x[c] * multiply[c] + add[c]} (a pretrained network's input
     * normalisation, kept as a layer so that its first convolution pads with zeros where the original did).
     *
     * @param name this layer's name
     * @param input the layer it reads
     * @param multiply one factor per channel
     * @param add one offset per channel
     */
    record Affine(String name, String input, float[] multiply, float[] add) implements Layer {

        /** Checks the names and that there is one factor and one offset per channel. */
        public Affine {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
            if (multiply.length != add.length || multiply.length == 0) {
                throw new IllegalArgumentException("affine '" + name + "': " + multiply.length + " factors and "
                        + add.length + " offsets; one of each per channel");
            }
            multiply = multiply.clone();
            add = add.clone();
        }

        /** A copy of the factors. */
        @Override
        public float[] multiply() {
            return multiply.clone();
        }

        /** A copy of the offsets. */
        @Override
        public float[] add() {
            return add.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Affine a && name.equals(a.name) && input.equals(a.input)
                    && java.util.Arrays.equals(multiply, a.multiply) && java.util.Arrays.equals(add, a.add);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, input, java.util.Arrays.hashCode(multiply), java.util.Arrays.hashCode(add));
        }
    }

    /**
     * Max pooling over 3x3 windows at stride 2, the input padded by one pixel on every side that no maximum takes
     * (output side {@code ceil(in / 2)}).
     *
     * @param name this layer's name
     * @param input the layer it reads
     */
    record MaxPool(String name, String input) implements Layer {

        /** Checks the names. */
        public MaxPool {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
        }
    }

    /**
     * Layers of the same side joined along the channels, in list order.
     *
     * @param name this layer's name
     * @param inputs the layers it reads, two or more
     */
    record Concat(String name, List<String> inputs) implements Layer {

        /** Checks the names. */
        public Concat {
            Objects.requireNonNull(name, "name");
            inputs = List.copyOf(inputs);
            if (inputs.size() < 2) {
                throw new IllegalArgumentException("concat '" + name + "' joins " + inputs.size()
                        + " layers; it needs two or more");
            }
        }
    }

    /**
     * Bilinear resizing with half-pixel centres by a factor of 2: up (twice the side) or down (half the side, an
     * even one; each output pixel is then the mean of a 2x2 block).
     *
     * @param name this layer's name
     * @param input the layer it reads
     * @param up whether to double the side; halve it when {@code false}
     */
    record Resize(String name, String input, boolean up) implements Layer {

        /** Checks the names. */
        public Resize {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(input, "input");
        }
    }
}
