package dev.annotate.serve;

/** A request, or one task of it, answered with an HTTP error status and a JSON {@code error} naming what was wrong. */
final class Refused extends Exception {
    private final int status;

    Refused(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    /** The HTTP status the request is answered with, for example 400. */
    int status() {
        return status;
    }
}
