package io.wsproxy.testing;

/** A close as reported by a WebSocket endpoint: the code and reason, and whether the peer initiated it. */
public record CloseEvent(int code, String reason, boolean remote) {
}
