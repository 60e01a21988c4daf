package dev.annotate.train;

/**
 * What a model's network starts from when it is not warm-started from an earlier model.
 *
 * <pre>{@code
 * TrainerOptions options = TrainerOptions.defaults(Backbone.PRIMITIVE);
 * }</pre>
 */
public enum Backbone {
    /**
     * The primitive network from random weights (about 0.3 M parameters, stride 8): fast, and enough for drawn
     * or generated scenes; far from it on photographs. Twice as fast to run as {@link #NANODET}.
     */
    PRIMITIVE,
    /**
     * NanoDet-g pretrained on COCO (annotate-pretrained, 3.8 M parameters) with its own heads at strides 8, 16 and
     * 32, trained as NanoDet trains them (Generalized Focal Loss, ATSS): what photographs need. The backbone stays
     * as COCO trained it; the feature pyramid, the heads' convolutions and the heads learn. The heads' box
     * channels start as COCO trained them, and a class whose name COCO knows starts from COCO's class channel.
     * The default ({@link TrainerOptions#DEFAULT_BACKBONE}).
     */
    NANODET
}
