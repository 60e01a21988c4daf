package dev.annotate.core;

/**
 * A failure inside a detection backend (native runtime error, a model that returns tensors of unexpected
 * shape), wrapping the backend's own exception. Unchecked: it signals a broken model or runtime, not bad input
 * a caller could have checked.
 */
public class DetectorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the model and tensor where known */
    public DetectorException(String message) {
        super(message);
    }

    /**
     * @param message what failed, naming the model and tensor where known
     * @param cause the backend's exception
     */
    public DetectorException(String message, Throwable cause) {
        super(message, cause);
    }
}
