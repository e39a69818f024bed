package io.pansaar.key;

/** An image key that breaks the key rules; the message says which rule. */
public class InvalidImageKeyException extends IllegalArgumentException {

    public InvalidImageKeyException(String message) {
        super(message);
    }
}
