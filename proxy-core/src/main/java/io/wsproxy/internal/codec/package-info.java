/**
 * Internal, not API: may change in any release without notice.
 *
 * <p>The RFC 6455 frame codec of the relay. {@link io.wsproxy.internal.codec.FrameScanner} scans the frame
 * headers of one direction of a connection as the bytes pass, without copying or unmasking payloads, to keep
 * track of frame boundaries and to detect protocol violations; {@link io.wsproxy.internal.codec.FrameWriter}
 * writes the control frames that the proxy itself sends. {@link io.wsproxy.internal.codec.WebSocketProtocol}
 * and {@link io.wsproxy.internal.codec.CloseCodes} hold the constants of the wire format.
 */
package io.wsproxy.internal.codec;
