package io.pansaar.origin;

/** A body starts like an image of its format but is not built like one; the message says what is wrong. */
public class MalformedImageException extends Exception {

    public MalformedImageException(String message) {
        super(message);
    }
}
