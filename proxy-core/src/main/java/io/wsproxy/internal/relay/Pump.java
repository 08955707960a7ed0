package io.wsproxy.internal.relay;

import io.wsproxy.internal.codec.CloseCodes;
import io.wsproxy.internal.codec.FrameScanner;
import io.wsproxy.internal.codec.FrameWriter;
import io.wsproxy.internal.codec.WebSocketProtocol;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay of an upgraded connection pair: one symmetric pump, parameterised by direction, that forwards the
 * bytes read from one side to the other in the same buffer while a {@link FrameScanner} follows the frame
 * boundaries, and that ends the conversation as DESIGN.md §4 says (Close forwarded both ways, 1001/1014 when a
 * side vanishes, 1002/1009 for violations).
 *
 * <p>Data path: a read goes into the loop's buffer and is written on at once; only what the receiver does not take
 * is copied into its {@link Endpoint#outbound} buffer, and while that holds bytes the sender is not read
 * (backpressure), so each direction holds at most one buffer. Nothing is allocated per frame or per read.
 *
 * <p>Loop-thread only.
 */
final class Pump {
    private static final Logger log = LoggerFactory.getLogger(Pump.class);

    private static final String SHUTDOWN_REASON = "proxy shutting down";
    private static final String DRAIN_REASON = "upstream draining";

    private final ProxyConnection connection;
    /** Loop time of the last data forwarded either way; for the idle timeout. */
    private long lastData;

    Pump(ProxyConnection connection) {
        this.connection = connection;
    }

    /**
     * Starts relaying: sends the client its 101, then forwards whatever either side sent beyond its handshake.
     *
     * @param rsvBits           RSV bits the negotiated extensions allow on data frames
     * @param switchingProtocols the 101 answer for the client
     * @param upstreamBytes     the read buffer, positioned after the upstream's 101 head
     */
    void start(int rsvBits, byte[] switchingProtocols, ByteBuffer upstreamBytes) {
        Endpoint client = connection.client;
        Endpoint upstream = connection.upstream;
        client.scanner = new FrameScanner(true, connection.config.maxMessageBytes);
        upstream.scanner = new FrameScanner(false, connection.config.maxMessageBytes);
        client.scanner.allowRsv(rsvBits);
        upstream.scanner.allowRsv(rsvBits);
        client.reading = true;
        upstream.reading = true;
        RelayConfig config = connection.config;
        long now = connection.loop.now();
        lastData = now;
        if (config.heartbeat.pingsClient()) {
            client.heartbeat = new Heartbeat(client, this, config);
            client.heartbeat.start(now);
        }
        if (config.heartbeat.pingsUpstream()) {
            upstream.heartbeat = new Heartbeat(upstream, this, config);
            upstream.heartbeat.start(now);
        }
        client.send(ByteBuffer.wrap(switchingProtocols));
        if (upstreamBytes.hasRemaining()) {
            forward(upstream, client, upstreamBytes);
        }
        if (client.inbound != null) {
            forward(client, upstream, client.inbound.flip());
        }
        settle();
    }

    void ready(Endpoint side, int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            side.flush();
        }
        if ((readyOps & SelectionKey.OP_READ) != 0 && !side.channelClosed) {
            read(side);
        }
        settle();
    }

    /**
     * Graceful shutdown, upstream first: Close 1001 to the upstream at its next frame boundary; what it sends until
     * its Close reply still reaches the client, which then gets the shutdown close code (1001, or 1012 to reconnect
     * elsewhere at once). Frames the client sends after the upstream's Close went out cannot be delivered.
     */
    void goAway() {
        goAway(connection.config.shutdownCloseCode, SHUTDOWN_REASON);
    }

    /**
     * The same close, upstream first, for the upstream being drained: the client gets {@code 1012} Service Restart
     * so that it reconnects at once, to another upstream.
     */
    void drain() {
        goAway(CloseCodes.SERVICE_RESTART, DRAIN_REASON);
    }

    private void goAway(int clientCode, String reason) {
        Endpoint client = connection.client;
        if (!client.outputDone && client.shutdownCloseCode == 0) {
            client.shutdownCloseCode = clientCode;
            client.shutdownCloseReason = reason;
        }
        sendClose(connection.upstream, CloseCodes.GOING_AWAY, reason, true);
        if (connection.upstream.inputDone) {
            closeClientForShutdown();
        }
        connection.closing();
        settle();
    }

    /** The upstream is done during a graceful shutdown, or took too long: the client gets its shutdown Close. */
    void closeClientForShutdown() {
        Endpoint client = connection.client;
        int code = client.shutdownCloseCode;
        if (code != 0) {
            client.shutdownCloseCode = 0;
            sendClose(client, code, client.shutdownCloseReason, true);
        }
        settle();
    }

    /** Whether a graceful shutdown still owes the client its Close. */
    boolean clientShutdownPending() {
        return connection.client.shutdownCloseCode != 0;
    }

    /** Loop time of the last data forwarded either way (the proxy's own pings and pongs do not count). */
    long lastData() {
        return lastData;
    }

    /** No data passed either way for the idle timeout: Close 1001 to both sides, each at its next frame boundary. */
    void idleTimeout() {
        log.info("{}: no data either way for the idle timeout; closing", connection);
        sendClose(connection.client, CloseCodes.GOING_AWAY, "idle timeout", true);
        sendClose(connection.upstream, CloseCodes.GOING_AWAY, "idle timeout", true);
        connection.closing();
        settle();
    }

    /** A ping to {@code target} is due: now if its stream is at a frame boundary, else at the next one. */
    void ping(Endpoint target) {
        if (target.outputDone || target.channelClosed) {
            return;
        }
        if (target.peer.scanner.atFrameBoundary()) {
            writePing(target);
        } else {
            target.heartbeat.pingPending = true;
        }
        settle();
        connection.afterEvent();
    }

    /** {@code side} did not answer a ping within the heartbeat timeout: close it, and tell the other side. */
    void heartbeatTimedOut(Endpoint side, long timeoutNanos) {
        log.info("{}: the {} did not answer a ping within {} ms; closing it", connection, side.side(),
                timeoutNanos / 1_000_000);
        connection.loop.heartbeatTimeouts++;
        side.inputDone = true;
        side.noLinger = true;
        sendClose(side, CloseCodes.GOING_AWAY, "heartbeat timeout", false);
        if (side.client) {
            sendClose(side.peer, CloseCodes.GOING_AWAY, "client heartbeat timeout", false);
        } else {
            sendClose(side.peer, CloseCodes.BAD_GATEWAY, "upstream heartbeat timeout", false);
        }
        connection.closing();
        settle();
        connection.afterEvent();
    }

    /** {@code side} accepted no bytes for the send timeout. */
    void sendTimedOut(Endpoint side) {
        lost(side, "accepted no bytes for the send timeout");
        settle();
    }

    private void read(Endpoint source) {
        ByteBuffer in = source.inbound;
        if (in == null) {
            in = connection.loop.readBuffer();
            in.clear();
        } else {
            // Held bytes plus a read stay within one buffer's worth, the bound of what a direction may hold.
            in.limit(connection.config.bufferSize);
        }
        int n = source.read(in);
        if (n < 0) {
            source.releaseInbound();
            ended(source);
            return;
        }
        if (n == 0) {
            return;
        }
        if (source.heartbeat != null) {
            source.heartbeat.heard(connection.loop.now());
        }
        in.flip();
        if (source.inputDone) {
            // After its Close or a violation nothing a side sends is forwarded; read on only to see it close.
            source.releaseInbound();
            return;
        }
        forward(source, source.peer, in);
    }

    /**
     * Scans {@code in} (read mode) from its position and forwards the complete frames and data payload found to
     * {@code target}, less the pongs that answer the proxy's own pings; keeps a trailing incomplete header or
     * control frame in {@code source}'s inbound buffer.
     */
    private void forward(Endpoint source, Endpoint target, ByteBuffer in) {
        FrameScanner scanner = source.scanner;
        int limit = in.limit();
        int segmentStart = in.position();
        int position = segmentStart;
        boolean close = false;
        boolean violation = false;
        while (position < limit) {
            position += scanner.scan(in, position, limit - position);
            FrameScanner.Event event = scanner.event();
            if (event == FrameScanner.Event.NONE) {
                break;
            }
            if (event == FrameScanner.Event.VIOLATION) {
                violation = true;
                break;
            }
            int opcode = scanner.controlOpcode();
            if (opcode == WebSocketProtocol.OPCODE_CLOSE) {
                close = true;
                if (target.shutdownCloseCode != 0) {
                    // Shutting down: the client gets the proxy's shutdown code, not the upstream's reply.
                    position -= scanner.controlFrameLength();
                }
                break;
            }
            if (opcode == WebSocketProtocol.OPCODE_PONG && source.heartbeat != null) {
                int frameStart = position - scanner.controlFrameLength();
                if (source.heartbeat.consumePong(in, frameStart, scanner.controlFrameLength(), source.client,
                        connection.loop.now())) {
                    pongReceived(source);
                    sendSegment(target, in, segmentStart, frameStart, limit);
                    segmentStart = position;
                }
            }
        }
        sendSegment(target, in, segmentStart, position, limit);
        if (close) {
            source.closeReceived = true;
            source.inputDone = true;
            source.releaseInbound();
            if (target.shutdownCloseCode != 0) {
                closeClientForShutdown();
            } else {
                if (log.isDebugEnabled()) {
                    log.debug("{}: Close {} from the {}{}", connection, scanner.closeCode(), source.side(),
                            target.outputDone ? "" : " forwarded");
                }
                target.outputDone = true;
            }
            connection.closing();
        } else if (violation) {
            source.releaseInbound();
            violation(source, scanner.violationCode(), scanner.violationReason());
        } else if (position < limit) {
            source.holdInbound(in, position, limit);
        } else {
            source.releaseInbound();
        }
        if (!target.outputDone && scanner.atFrameBoundary()) {
            if (target.pendingCloseCode != 0) {
                sendClose(target, target.pendingCloseCode, target.pendingCloseReason, false);
            } else if (target.heartbeat != null && target.heartbeat.pingPending) {
                writePing(target);
            }
        }
    }

    /** Sends {@code in[from, to)} to {@code target} unless it takes nothing more; restores the limit afterwards. */
    private void sendSegment(Endpoint target, ByteBuffer in, int from, int to, int limit) {
        if (to > from && !target.outputDone) {
            in.limit(to).position(from);
            target.send(in);
            in.limit(limit);
            lastData = connection.loop.now();
        }
    }

    private void pongReceived(Endpoint side) {
        RelayLoop loop = connection.loop;
        loop.pongsReceived++;
        long roundTrip = side.heartbeat.lastRoundTripNanos;
        if (side.client) {
            loop.clientRoundTrips.record(roundTrip);
        } else {
            loop.upstreamRoundTrips.record(roundTrip);
            connection.upstreamMember().roundTripMeasured(roundTrip);
        }
        if (log.isTraceEnabled()) {
            log.trace("{}: pong from the {} after {} us", connection, side.side(), roundTrip / 1000);
        }
    }

    private void writePing(Endpoint target) {
        RelayLoop loop = connection.loop;
        long payload = loop.now();
        ByteBuffer frame = loop.controlFrame;
        frame.clear();
        boolean masked = !target.client;
        FrameWriter.writePing(frame, payload, masked, masked ? loop.nextMaskKey() : 0);
        target.send(frame.flip());
        target.heartbeat.sent(payload);
        loop.pingsSent++;
    }

    /** {@code side} sent something RFC 6455 forbids: Close {@code code} to it, and 1001 or 1014 to the other. */
    private void violation(Endpoint side, int code, String reason) {
        log.info("{}: protocol violation by the {}: {}; sending Close {}", connection, side.side(), reason, code);
        side.inputDone = true;
        sendClose(side, code, reason, false);
        Endpoint other = side.peer;
        if (code == CloseCodes.MESSAGE_TOO_BIG || side.client) {
            sendClose(other, CloseCodes.GOING_AWAY, side.client ? "client error" : "upstream error", false);
        } else {
            sendClose(other, CloseCodes.BAD_GATEWAY, "upstream protocol error", false);
        }
        connection.closing();
    }

    /**
     * {@code side} reached end of stream, or its read failed. Before its Close that is a loss; after it, a half
     * close: the side may still be reading, so what is owed to it (late frames, the Close reply) is still sent.
     */
    private void ended(Endpoint side) {
        if (!side.inputDone) {
            lost(side, "closed the connection without a Close frame");
        } else {
            side.noLinger = true;
            side.reading = false;
        }
    }

    /** {@code side} is gone or unusable: close it, and tell the other side 1001 (client gone) or 1014 (upstream gone). */
    private void lost(Endpoint side, String what) {
        if (side.channelClosed) {
            return;
        }
        log.info("{}: the {} {}", connection, side.side(), side.failure != null ? "failed: " + side.failure : what);
        side.inputDone = true;
        side.outputDone = true;
        side.close();
        if (side.client) {
            sendClose(side.peer, CloseCodes.GOING_AWAY, "client went away", false);
        } else if (clientShutdownPending()) {
            closeClientForShutdown();
        } else {
            sendClose(side.peer, CloseCodes.BAD_GATEWAY, "upstream went away", false);
        }
        connection.closing();
    }

    /**
     * Puts a Close frame into the stream toward {@code target}, masked toward the upstream. It may only go at a
     * frame boundary of that stream: if a frame is partly forwarded, the Close waits for the boundary when
     * {@code deferable}, else the stream is abandoned and the socket closed.
     */
    private void sendClose(Endpoint target, int code, String reason, boolean deferable) {
        if (target.outputDone || target.channelClosed) {
            return;
        }
        Endpoint source = target.peer;
        if (!source.scanner.atFrameBoundary()) {
            if (deferable && !source.inputDone) {
                target.pendingCloseCode = code;
                target.pendingCloseReason = reason;
                return;
            }
            log.debug("{}: a frame to the {} is partly sent, so no Close can follow; closing its socket",
                    connection, target.side());
            target.outputDone = true;
            target.inputDone = true;
            target.close();
            return;
        }
        target.outputDone = true;
        target.pendingCloseCode = 0;
        ByteBuffer frame = connection.loop.controlFrame;
        frame.clear();
        boolean masked = !target.client;
        FrameWriter.writeClose(frame, code, reason, masked, masked ? connection.loop.nextMaskKey() : 0);
        target.send(frame.flip());
    }

    /**
     * Ends each side that has nothing left to do (the upstream first): a client that sent its Close is closed at
     * once; an upstream that sent its Close is left to close first; any other side gets a FIN and is closed at its
     * end of stream. The close timeout bounds every wait. Finishes the connection when both sockets are closed.
     */
    private void settle() {
        Endpoint client = connection.client;
        Endpoint upstream = connection.upstream;
        if (upstream.broken) {
            lost(upstream, "failed while the proxy was writing to it");
        }
        if (client.broken) {
            lost(client, "failed while the proxy was writing to it");
        }
        endIfDone(upstream);
        endIfDone(client);
        if (client.channelClosed && upstream.channelClosed) {
            connection.finish();
        }
    }

    private static void endIfDone(Endpoint side) {
        if (!done(side)) {
            return;
        }
        if (side.noLinger || (side.client && side.closeReceived)) {
            // A client that sent its Close sends nothing more, so closing cannot reset frames in flight; the
            // proxy is the server on this hop and closes first (RFC 6455 §7.1.1).
            side.close();
        } else if (side.closeReceived) {
            // The upstream sent its Close: it closes its end itself (RFC 6455 §7.1.1, the server closes first,
            // which also keeps TIME_WAIT off the proxy's ports). Read on until its end of stream.
            return;
        } else {
            side.shutdownOutput();
        }
    }

    private static boolean done(Endpoint side) {
        return side.inputDone && side.outputDone && side.outbound == null;
    }
}
