/**
 * Internal, not API: may change in any release without notice.
 *
 * <p>The relay: accepting client connections, the handshake with the client and the upstream, and the
 * zero-copy, frame-aware pump between the two sockets of a connection pair, with backpressure and the close
 * behaviour of DESIGN.md §4. Every object of a connection pair is confined to its event loop's thread.
 */
package io.wsproxy.internal.relay;
