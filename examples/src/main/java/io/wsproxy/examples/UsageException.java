package io.wsproxy.examples;

/**
 * A mistake in the runner's command line. The message is one line, starts with the flag it is about (when there is
 * one) and says what would be accepted; the runner prints it after {@code wsproxy: } and exits with status 2.
 */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message, null, false, false);
    }
}
