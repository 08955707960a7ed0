/**
 * Internal, not API: may change in any release without notice.
 *
 * <p>The HTTP/1.1 side of the WebSocket opening handshake (RFC 6455 §4, RFC 9112 message syntax, RFC 9110
 * semantics). {@link io.wsproxy.internal.handshake.RequestParser} reads the client's upgrade request and
 * {@link io.wsproxy.internal.handshake.UpgradeValidator} checks it; {@link
 * io.wsproxy.internal.handshake.HandshakeEncoder} writes the request sent upstream and the answers sent to the
 * client; {@link io.wsproxy.internal.handshake.ResponseParser} reads the upstream's answer and {@link
 * io.wsproxy.internal.handshake.UpstreamHandshakeValidator} checks it. A peer's violation is reported as an
 * {@link io.wsproxy.internal.handshake.HttpError} result, never thrown.
 *
 * <p>Parsers are resumable push parsers: one instance per connection, used only by that connection's loop thread.
 * Validators, the encoder and {@link io.wsproxy.internal.handshake.WebSocketAccept} are stateless; parsed
 * messages are immutable.
 */
package io.wsproxy.internal.handshake;
