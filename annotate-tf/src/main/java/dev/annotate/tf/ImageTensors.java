package dev.annotate.tf;

import dev.annotate.core.image.Images;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TUint8;

import java.awt.image.BufferedImage;

/**
 * Images as TensorFlow input tensors, as the detector feeds them (the trainer's calibration runs models the same
 * way).
 */
public final class ImageTensors {

    private ImageTensors() {
    }

    /** uint8 RGB {@code [1, H, W, 3]}: one pass BGR → RGB into an array, one copy into the tensor. */
    public static TUint8 uint8(BufferedImage image) {
        byte[] bgr = Images.bgrBytes(image);
        byte[] rgb = new byte[bgr.length];
        Images.bgrToRgb(bgr, 0, rgb, 0, bgr.length / 3);
        TUint8 t = TUint8.tensorOf(Shape.of(1, image.getHeight(), image.getWidth(), 3));
        t.asRawTensor().data().write(rgb);
        return t;
    }
}
