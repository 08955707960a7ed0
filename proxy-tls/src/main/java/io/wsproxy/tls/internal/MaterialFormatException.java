package io.wsproxy.tls.internal;

/**
 * A file's content is not the key material it should be: a PEM, DER, key or key-store problem, or a wrong
 * password. The message says what is wrong, never which file (the caller knows and prefixes it) and never any key
 * bytes or password. Checked, so that every loader has to turn it into its own error naming the file.
 */
public final class MaterialFormatException extends Exception {
    public MaterialFormatException(String message) {
        super(message);
    }

    public MaterialFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
