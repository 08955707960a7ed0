package io.wsproxy.internal.relay;

import io.wsproxy.ConnectionInfo;
import io.wsproxy.internal.handshake.HandshakeEncoder;
import io.wsproxy.internal.handshake.HttpError;
import io.wsproxy.internal.handshake.HttpRequest;
import io.wsproxy.internal.handshake.HttpResponse;
import io.wsproxy.internal.handshake.ParseStatus;
import io.wsproxy.internal.handshake.RequestParser;
import io.wsproxy.internal.handshake.ResponseParser;
import io.wsproxy.internal.handshake.UpgradeValidator;
import io.wsproxy.internal.handshake.UpstreamHandshakeValidator;
import io.wsproxy.internal.loop.TimerTask;
import io.wsproxy.internal.transport.PlainTransport;
import io.wsproxy.internal.transport.Transport;
import io.wsproxy.upstream.ClientRequest;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection from accept to close: it reads and checks the client's upgrade request, connects to an
 * upstream chosen by the pool (trying the next on failure), forwards the handshake, and then hands the pair to the
 * {@link Pump}. Answers every failure as DESIGN.md §4 says, with one log line.
 *
 * <p>Loop-thread only: every method runs on the thread of {@link #loop}.
 */
final class ProxyConnection {
    private static final Logger log = LoggerFactory.getLogger(ProxyConnection.class);

    private enum State {
        /** Reading the client's upgrade request. */
        REQUEST,
        /** Connecting to an upstream. */
        CONNECTING,
        /** Sent the upgrade request upstream, reading its answer. */
        UPSTREAM_HANDSHAKE,
        /** Relaying frames (and, once a Close or a failure happened, closing). */
        RELAY,
        /** Sending an HTTP answer to the client before closing. */
        RESPONDING,
        CLOSED
    }

    final RelayLoop loop;
    final RelayConfig config;
    final long id;
    final Endpoint client;
    Endpoint upstream;
    /** Intrusive links of the loop's connection list. */
    ProxyConnection nextInLoop;
    ProxyConnection previousInLoop;

    private final InetSocketAddress clientAddress;
    /** The client came over TLS: the upstream request says {@code X-Forwarded-Proto: https}. */
    private final boolean secure;
    private final boolean overLimit;
    private final Pump pump;
    private final PhaseTimer phaseTimer = new PhaseTimer();
    private State state = State.REQUEST;
    private RequestParser requestParser;
    private ResponseParser responseParser;
    private HttpRequest request;
    private UpstreamPool.Attempt attempt;
    private Upstream upstreamMember;
    /** Whether the last upstream failure was a timeout: decides 504 over 502 when none is left. */
    private boolean lastFailureTimedOut;
    /** Loop time by which an upstream must have accepted the connection, all tries together (the connect budget). */
    private long upstreamDeadline;
    /** A Close passed or was sent, or a side failed: the phase timer now runs the close timeout. */
    private boolean closingStarted;

    ProxyConnection(RelayLoop loop, RelayConfig config, long id, Transport clientTransport, boolean secure,
            boolean overLimit) {
        this.loop = loop;
        this.config = config;
        this.id = id;
        this.client = new Endpoint(this, true, clientTransport);
        this.secure = secure;
        this.overLimit = overLimit;
        this.clientAddress = remoteAddress(clientTransport.channel());
        this.pump = new Pump(this);
    }

    /** Registers the client socket and waits for its request. */
    void start() {
        if (loop.relay.stopping()) {
            finish();
            return;
        }
        try {
            client.key = loop.register(client.channel, SelectionKey.OP_READ, client);
        } catch (IOException e) {
            log.debug("{}: registering the client socket failed: {}", this, e.toString());
            finish();
            return;
        }
        client.reading = true;
        requestParser = new RequestParser(config.maxHeaderBytes, config.maxHeaderCount);
        schedulePhase(config.handshakeTimeoutNanos);
        log.trace("{}: accepted", this);
    }

    /** Readiness of one side's socket. */
    void ready(Endpoint side, int readyOps) {
        switch (state) {
            case REQUEST:
                if (side == client && (readyOps & SelectionKey.OP_READ) != 0) {
                    readRequest();
                }
                break;
            case CONNECTING:
                if (side == upstream) {
                    finishConnect();
                } else if ((readyOps & SelectionKey.OP_READ) != 0) {
                    readWhileConnecting();
                }
                break;
            case UPSTREAM_HANDSHAKE:
                if (side == upstream) {
                    handshakeReady(readyOps);
                } else if ((readyOps & SelectionKey.OP_READ) != 0) {
                    readWhileConnecting();
                }
                break;
            case RELAY:
                pump.ready(side, readyOps);
                break;
            case RESPONDING:
                if (side == client) {
                    respondingReady(readyOps);
                }
                break;
            default:
                break;
        }
        afterEvent();
    }

    /** Something threw while handling this connection: a bug, never a peer's doing. Close everything. */
    void failed(Endpoint side, Throwable cause) {
        log.error("{}: unexpected failure on the {} side; closing the connection", this, side.side(), cause);
        finish();
    }

    /** Bytes for {@code side} stayed unsent for the send timeout. */
    void sendTimedOut(Endpoint side) {
        if (state == State.RELAY) {
            pump.sendTimedOut(side);
        } else if (side == upstream && (state == State.CONNECTING || state == State.UPSTREAM_HANDSHAKE)) {
            upstreamFailed("took no bytes of the upgrade request for the send timeout", true);
        } else {
            log.info("{}: the {} accepted no bytes for the send timeout; closing", this, side.side());
            finish();
        }
        afterEvent();
    }

    /** Graceful shutdown: Close 1001 to both sides at frame boundaries, or an answer to a client in handshake. */
    void goAway() {
        switch (state) {
            case RELAY:
                pump.goAway();
                break;
            case REQUEST:
            case CONNECTING:
            case UPSTREAM_HANDSHAKE:
                respond(new HttpError(503, "proxy shutting down", "Retry-After", String.valueOf(config.retryAfterSeconds)));
                break;
            default:
                break;
        }
        afterEvent();
    }

    /**
     * Its upstream is being drained: a relayed connection closes upstream first as at a graceful shutdown, and the
     * client gets {@code 1012} Service Restart so that it reconnects elsewhere. Connections still in their handshake
     * or already closing are left alone.
     */
    void drain() {
        if (state == State.RELAY && !closingStarted) {
            log.debug("{}: closing for the drain of its upstream", this);
            pump.drain();
            afterEvent();
        }
    }

    /** The upstream this connection is relayed to, or is being connected to; null before one is chosen. */
    Upstream upstreamMember() {
        return upstreamMember;
    }

    /** Closes both sockets now. */
    void abort(String reason) {
        if (state != State.CLOSED) {
            log.debug("{}: closed: {}", this, reason);
            finish();
        }
    }

    // ---- client request ------------------------------------------------------------------------------------

    private void readRequest() {
        ByteBuffer in = loop.readBuffer();
        in.clear();
        int n = client.read(in);
        if (n < 0) {
            if (client.failure != null) {
                log.info("{}: {}", this, client.failure);
            } else {
                log.debug("{}: the client closed before completing its request", this);
            }
            finish();
            return;
        }
        in.flip();
        ParseStatus status = requestParser.parse(in);
        if (status == ParseStatus.NEED_MORE) {
            return;
        }
        if (status == ParseStatus.ERROR) {
            respond(requestParser.error());
            return;
        }
        request = requestParser.request();
        requestParser = null;
        HttpError invalid = UpgradeValidator.validate(request);
        if (invalid != null) {
            respond(invalid);
            return;
        }
        if (overLimit || loop.relay.stopping()) {
            respond(new HttpError(503, overLimit ? "connection limit reached" : "proxy shutting down",
                    "Retry-After", String.valueOf(config.retryAfterSeconds)));
            return;
        }
        if (in.hasRemaining()) {
            // The client sent frames before our 101 (RFC 6455 §4.1 says it must wait): keep them for the relay.
            client.holdInbound(in, in.position(), in.limit());
        }
        // Reading on while the upstream is chosen, so that a client that leaves does not get an upstream
        // connection it will never use; anything it sends is held for the relay.
        ClientRequest clientRequest = new ClientRequest(clientAddress, request.path(), request.query(),
                request.headers().asMap(), client.transport.tlsInfo());
        attempt = config.pool.attempt(clientRequest, config.maxUpstreamTries);
        upstreamDeadline = loop.now() + config.connectBudgetNanos;
        connectNext();
    }

    // ---- upstream connect and handshake -------------------------------------------------------------------

    /**
     * The client is readable while its upstream is being connected: hold what it sent (at most one buffer, then
     * reading pauses) or, at its end of stream, give up on the upstream.
     */
    private void readWhileConnecting() {
        ByteBuffer in = client.inbound;
        if (in == null) {
            in = loop.readBuffer();
            in.clear();
        } else {
            in.limit(config.bufferSize);
        }
        int n = client.read(in);
        if (n < 0) {
            log.debug("{}: the client left while its upstream was being connected", this);
            attempt.abandon();
            finish();
            return;
        }
        if (n > 0 && in != client.inbound) {
            client.holdInbound(in.flip(), 0, n);
        }
        if (client.inbound != null && client.inbound.position() >= config.bufferSize) {
            client.reading = false;
        }
    }

    /** Whether the connect budget of this connection's tries is spent. */
    private boolean budgetSpent() {
        return loop.now() - upstreamDeadline >= 0;
    }

    private void connectNext() {
        if (attempt.tries() > 0 && budgetSpent()) {
            respond(new HttpError(504, "no upstream accepted the connection within the connect budget of "
                    + config.connectBudgetNanos / 1_000_000 + " ms (" + attempt.tries() + " tries)"));
            return;
        }
        Upstream next = attempt.next();
        if (next == null) {
            if (attempt.declined()) {
                respond(new HttpError(503, "the balancing strategy declined the connection",
                        "Retry-After", String.valueOf(config.retryAfterSeconds)));
            } else {
                respond(new HttpError(lastFailureTimedOut ? 504 : 502,
                        "no upstream could be reached after " + attempt.tries() + " tries"));
            }
            return;
        }
        upstreamMember = next;
        SocketChannel channel;
        try {
            // An IPv4 socket for an IPv4 upstream: the JDK's default dual-stack socket costs an extra system call
            // (IPV6_V6ONLY) per connection and carries the address as an IPv4-mapped IPv6 one.
            channel = next.address().getAddress() instanceof Inet4Address
                    ? SocketChannel.open(StandardProtocolFamily.INET) : SocketChannel.open();
        } catch (IOException e) {
            log.warn("{}: cannot open a socket to {}: {}", this, next, e.toString());
            attempt.failed();
            respond(new HttpError(502, "cannot open a socket: " + e));
            return;
        }
        Transport transport;
        try {
            transport = upstreamTransport(next, channel);
        } catch (IOException | RuntimeException e) {
            Relay.closeQuietly(channel);
            log.warn("{}: cannot set up TLS to {}: {}", this, next, e.getMessage());
            attempt.failed();
            lastFailureTimedOut = false;
            connectNext();
            return;
        }
        upstream = new Endpoint(this, false, transport);
        upstream.peer = client;
        client.peer = upstream;
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            boolean connected = channel.connect(next.address());
            upstream.connecting = !connected;
            upstream.key = loop.register(channel, 0, upstream);
            if (connected) {
                upstreamConnected();
            } else {
                state = State.CONNECTING;
                scheduleUpstreamPhase(config.connectTimeoutNanos);
            }
        } catch (IOException e) {
            upstreamFailed(e.toString(), false);
        }
    }

    private Transport upstreamTransport(Upstream member, SocketChannel channel) throws IOException {
        if (!member.secure()) {
            return new PlainTransport(channel);
        }
        if (config.upstreamTransport == null) {
            throw new IOException("no TLS is configured for wss:// upstreams (the proxy-tls module is not on the"
                    + " class path)");
        }
        return config.upstreamTransport.connecting(channel, member);
    }

    private void finishConnect() {
        try {
            if (!upstream.channel.finishConnect()) {
                return;
            }
        } catch (IOException e) {
            upstreamFailed("connect failed: " + e.getMessage(), false);
            return;
        }
        upstream.connecting = false;
        upstreamConnected();
    }

    private void upstreamConnected() {
        state = State.UPSTREAM_HANDSHAKE;
        scheduleUpstreamPhase(config.upstreamHandshakeTimeoutNanos);
        responseParser = new ResponseParser(config.maxHeaderBytes, config.maxResponseBodyBytes);
        byte[] head = HandshakeEncoder.upstreamRequest(request, config.forwardedHeaders, clientAddress.getAddress(),
                secure, upstreamMember.authority());
        upstream.reading = true;
        if (!upstream.send(ByteBuffer.wrap(head))) {
            upstreamFailed("sending the upgrade request failed", false);
        }
    }

    private void handshakeReady(int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0 && !upstream.flush() && upstream.broken) {
            upstreamFailed("sending the upgrade request failed", false);
            return;
        }
        if ((readyOps & SelectionKey.OP_READ) == 0) {
            return;
        }
        ByteBuffer in = loop.readBuffer();
        in.clear();
        int n = upstream.read(in);
        ParseStatus status;
        if (n < 0) {
            status = responseParser.endOfInput();
            if (status != ParseStatus.COMPLETE) {
                upstreamFailed(upstream.failure != null ? upstream.failure
                        : "closed the connection before answering the upgrade request", false);
                return;
            }
        } else {
            in.flip();
            status = responseParser.parse(in);
        }
        if (status == ParseStatus.NEED_MORE) {
            return;
        }
        if (status == ParseStatus.ERROR) {
            HttpError error = responseParser.error();
            log.warn("{}: invalid answer to the upgrade request: {}", this, error.detail());
            attempt.failed();
            respond(error);
            return;
        }
        HttpResponse response = responseParser.response();
        responseParser = null;
        if (response.status() != 101) {
            log.info("{}: upstream answered {} {}", this, response.status(), response.reasonPhrase());
            attempt.succeeded();
            respond(HandshakeEncoder.relayedResponse(response));
            return;
        }
        String key = request.headers().first("Sec-WebSocket-Key");
        HttpError invalid = UpstreamHandshakeValidator.validate(response, key);
        if (invalid != null) {
            log.warn("{}: invalid upgrade answer: {}", this, invalid.detail());
            attempt.failed();
            respond(invalid);
            return;
        }
        attempt.succeeded();
        state = State.RELAY;
        request = null;
        if (config.idleTimeoutNanos > 0) {
            schedulePhase(config.idleTimeoutNanos);
        } else {
            loop.timers().cancel(phaseTimer);
        }
        log.debug("{}: relaying", this);
        pump.start(UpstreamHandshakeValidator.negotiatedRsvBits(response),
                HandshakeEncoder.switchingProtocols(response), in);
    }

    /** Connecting to or the handshake with the current upstream failed: try the next one. */
    private void upstreamFailed(String reason, boolean timedOut) {
        log.info("{}: upstream failed: {}", this, reason);
        attempt.failed();
        lastFailureTimedOut = timedOut;
        upstream.close();
        upstream = null;
        client.peer = null;
        responseParser = null;
        connectNext();
    }

    // ---- answering and closing ----------------------------------------------------------------------------

    private void respond(HttpError error) {
        int status = error.status();
        if (status >= 500) {
            log.info("{}: answering {} {}: {}", this, status, error.reasonPhrase(), error.detail());
        } else {
            log.debug("{}: answering {} {}: {}", this, status, error.reasonPhrase(), error.detail());
        }
        respond(HandshakeEncoder.errorResponse(error));
    }

    /** Sends {@code head} to the client, then closes; the upstream, if any, is closed now. */
    private void respond(byte[] answer) {
        state = State.RESPONDING;
        requestParser = null;
        responseParser = null;
        if (attempt != null) {
            attempt.abandon();
        }
        if (upstream != null) {
            upstream.close();
        }
        client.releaseInbound();
        client.reading = true;
        schedulePhase(config.closeTimeoutNanos);
        if (client.send(ByteBuffer.wrap(answer)) && client.outbound == null) {
            lingeringClose();
        } else if (client.broken) {
            finish();
        }
    }

    private void respondingReady(int readyOps) {
        if ((readyOps & SelectionKey.OP_WRITE) != 0) {
            // The answer, then (TLS) the records and close_notify the transport holds.
            boolean answered = client.outbound != null;
            if (client.flush()) {
                if (answered) {
                    lingeringClose();
                }
            } else if (client.broken) {
                finish();
                return;
            }
        }
        if ((readyOps & SelectionKey.OP_READ) != 0) {
            // Discard whatever the client still sends until it closes, so that closing does not reset the answer.
            ByteBuffer in = loop.readBuffer();
            in.clear();
            if (client.read(in) < 0) {
                finish();
            }
        }
    }

    /** The answer is sent: end our direction and wait (up to the close timeout) for the client to close. */
    private void lingeringClose() {
        client.shutdownOutput();
        if (client.channelClosed) {
            finish();
        }
    }

    /** Pump calls this when both sides are done; closes the upstream first, as RFC 6455 §7.1.1 asks of servers. */
    void finish() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        loop.timers().cancel(phaseTimer);
        if (upstream != null) {
            upstream.close();
        }
        client.close();
        if (attempt != null) {
            attempt.closed();
        }
        loop.closed(this);
        log.trace("{}: closed", this);
    }

    /** The close handshake started: it has until the close timeout, and no more pings go out. */
    void closing() {
        if (closingStarted) {
            return;
        }
        closingStarted = true;
        schedulePhase(config.closeTimeoutNanos);
        if (client.heartbeat != null) {
            client.heartbeat.stop();
        }
        if (upstream != null && upstream.heartbeat != null) {
            upstream.heartbeat.stop();
        }
    }

    /** A snapshot for {@link io.wsproxy.ProxyServer#connections()}. */
    ConnectionInfo info() {
        ConnectionInfo.State shown = state == State.RELAY && !closingStarted ? ConnectionInfo.State.RELAYING
                : state == State.RELAY || state == State.RESPONDING || state == State.CLOSED ? ConnectionInfo.State.CLOSING
                : ConnectionInfo.State.HANDSHAKE;
        return new ConnectionInfo(id, clientAddress, upstreamMember == null ? null : upstreamMember.uri(), shown,
                roundTrip(client), upstream == null ? null : roundTrip(upstream),
                client.channelClosed ? null : client.transport.tlsInfo());
    }

    private static Duration roundTrip(Endpoint side) {
        return side.heartbeat == null || side.heartbeat.lastRoundTripNanos < 0 ? null
                : Duration.ofNanos(side.heartbeat.lastRoundTripNanos);
    }

    boolean closed() {
        return state == State.CLOSED;
    }

    /** Applies the interest sets both sides call for now; after every event and timer of the connection. */
    void afterEvent() {
        if (state == State.CLOSED) {
            return;
        }
        client.updateInterest();
        if (upstream != null) {
            upstream.updateInterest();
        }
    }

    private void schedulePhase(long timeoutNanos) {
        loop.timers().schedule(phaseTimer, loop.now() + timeoutNanos);
    }

    /** A phase of one upstream try: its own timeout, cut short by what is left of the connect budget. */
    private void scheduleUpstreamPhase(long timeoutNanos) {
        long now = loop.now();
        loop.timers().schedule(phaseTimer, upstreamDeadline - (now + timeoutNanos) < 0 ? upstreamDeadline
                : now + timeoutNanos);
    }

    private void phaseExpired() {
        switch (state) {
            case REQUEST:
                if (!client.transport.established()) {
                    // No HTTP answer can reach a client whose TLS handshake is not done; nginx closes too.
                    log.info("{}: the TLS handshake was not complete within the handshake timeout; closing", this);
                    finish();
                } else {
                    respond(new HttpError(408, "the request was not complete within the handshake timeout"));
                }
                break;
            case CONNECTING:
                upstreamFailed(budgetSpent() ? "connecting took the rest of the connect budget" : "connect timed out",
                        true);
                break;
            case UPSTREAM_HANDSHAKE:
                upstreamFailed(budgetSpent() ? "no answer to the upgrade request within the rest of the connect budget"
                        : "no answer to the upgrade request within the handshake timeout", true);
                break;
            case RELAY:
                if (closingStarted && pump.clientShutdownPending()) {
                    // The upstream did not answer the shutdown Close in time: the client still gets its Close.
                    log.info("{}: the upstream did not finish closing within the close timeout", this);
                    pump.closeClientForShutdown();
                    schedulePhase(config.closeTimeoutNanos);
                } else if (closingStarted) {
                    log.info("{}: the close handshake did not finish within the close timeout", this);
                    finish();
                } else {
                    idleCheck();
                }
                break;
            case RESPONDING:
                finish();
                break;
            default:
                break;
        }
        afterEvent();
    }

    /** The idle timer fired: close if no data passed since, else wait for the rest of the period. */
    private void idleCheck() {
        long idleSince = pump.lastData();
        long now = loop.now();
        if (now - idleSince >= config.idleTimeoutNanos) {
            pump.idleTimeout();
        } else {
            schedulePhase(idleSince + config.idleTimeoutNanos - now);
        }
    }

    /** The peer of {@code channel}; the wildcard address when it has none any more. */
    static InetSocketAddress remoteAddress(SocketChannel channel) {
        try {
            return (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
            return new InetSocketAddress(0);
        }
    }

    @Override
    public String toString() {
        return "#" + id + " " + clientAddress + (upstreamMember != null ? " -> " + upstreamMember : "");
    }

    /** The timeout of the current phase: handshake, connect, upstream handshake, close, or answer. */
    private final class PhaseTimer extends TimerTask {
        @Override
        protected void expired(long now) {
            phaseExpired();
        }

        @Override
        protected void failed(Throwable cause) {
            ProxyConnection.this.failed(client, cause);
        }
    }
}
