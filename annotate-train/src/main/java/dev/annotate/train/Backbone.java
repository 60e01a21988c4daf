package dev.annotate.train;

/**
 * What a model's network starts from when it is not warm-started from an earlier model.
 *
 * <pre>{@code
 * TrainerOptions options = TrainerOptions.defaults().withBackbone(Backbone.PRIMITIVE);
 * }</pre>
 */
public enum Backbone {
    /**
     * The primitive network from random weights (about 0.3 M parameters, stride 8): fast, and enough for drawn
     * or generated scenes; far from it on photographs.
     */
    PRIMITIVE,
    /**
     * NanoDet-g's backbone and feature pyramid pretrained on COCO (annotate-pretrained, 3.8 M parameters), with the
     * project's heads on its stride-8 level: what photographs need. The backbone stays as COCO trained it; the
     * pyramid, the stride-8 head convolution and the heads learn. A class whose name COCO knows starts from COCO's
     * class weights.
     */
    NANODET
}
