package io.wsproxy.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.wsproxy.ProxyServer;
import io.wsproxy.upstream.MemberStatus;
import io.wsproxy.upstream.Upstream;
import io.wsproxy.upstream.UpstreamPool;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The runner's runtime API for operators, as HAProxy's runtime API and stats page or nginx Plus's upstream API: a
 * small HTTP server on an address of its own that shows a running {@link ProxyServer}'s upstream pool and changes
 * it. It is built on the JDK's {@code com.sun.net.httpserver} and is not in the relay path.
 *
 * <p><b>It has no authentication and no TLS:</b> whoever reaches its address can drain, re-weight and remove
 * upstreams. Bind it to loopback ({@code 127.0.0.1:9090}) or to a network only operators reach, as HAProxy's stats
 * socket and nginx Plus's API are meant to be; a start on any other address logs a warning.
 *
 * <pre>
 * GET  /upstreams                                             the members and the proxy's open connections
 * POST /upstreams/drain?member=ADDR&amp;deadline=30s&amp;spread=60s   no new connections; close the open ones: {"closing":N}
 * POST /upstreams/resume?member=ADDR                          new connections again: the member
 * POST /upstreams/weight?member=ADDR&amp;weight=3                  the member
 * POST /upstreams/add?uri=ws://HOST:PORT&amp;weight=2&amp;backup=true   the new member
 * POST /upstreams/remove?member=ADDR                          no new connections, open ones stay: the member
 * POST /rebalance?tolerance=0.1&amp;rate=50                        close the excess of crowded members: {"closing":N}
 * </pre>
 *
 * A member is named by its resolved address, {@code HOST:PORT} ({@code [::1]:9000} for IPv6), as {@code GET
 * /upstreams} shows it in {@code address}: a host-name URI can stand for several members. Durations are written
 * as on the command line ({@link Durations}), or {@code 0} for at once. Every parameter shown is required except
 * {@code weight} (default 1) and {@code backup} (default false) of {@code add}. Answers are one line of JSON; a
 * refusal is {@code {"error":"..."}} with 400 (bad or unknown parameter), 404 (no such path or member), 405 (wrong
 * method, with {@code Allow}) or 409 (the pool refuses the change, e.g. removing its last primary). Each change is
 * logged at INFO with the caller's address.
 *
 * <p>Threading: requests are served on at most two daemon threads of this server's own
 * ({@code wsproxy-admin-N}, gone when idle), never on the proxy's event loops; the {@link ProxyServer} and
 * {@link UpstreamPool} methods it calls are thread-safe. {@link #close()} from any thread; idempotent.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    private static final int THREADS = 2;
    /** A non-negative decimal; stricter than {@link Double#parseDouble}, which takes NaN, exponents and suffixes. */
    private static final Pattern DECIMAL = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9})?");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
    /** An IPv6 literal in brackets and a port, which may be written in another form than {@code address} shows. */
    private static final Pattern IPV6_ADDRESS = Pattern.compile("\\[([0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)]:([0-9]{1,5})");

    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final ProxyServer proxy;
    private final UpstreamPool pool;
    /** The bound address, with the actual port. */
    private final InetSocketAddress address;
    /** The paths served, each with its one method, its parameters (for unknown-parameter checks) and its action. */
    private final Map<String, Endpoint> endpoints;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** One path of the API. The action returns the JSON answer, or throws a {@link Refusal}. */
    private record Endpoint(String method, List<String> parameters, Function<Call, String> action) {
    }

    /** The parameters and caller of one request. */
    private record Call(Map<String, String> parameters, String remote) {
        /** The parameter's value; 400 when it is absent or empty. */
        String required(String name) {
            String value = parameters.get(name);
            if (value == null || value.isEmpty()) {
                throw new Refusal(400, "missing parameter '" + name + "'");
            }
            return value;
        }

        boolean has(String name) {
            return parameters.containsKey(name);
        }
    }

    /**
     * A request the API refuses, with its HTTP status and a one-line message for the body. Thrown by the actions and
     * caught once, in {@link #handle}; it has no stack trace, and no caller outside this class sees it.
     */
    private static final class Refusal extends RuntimeException {
        final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }
    }

    private AdminServer(HttpServer server, ThreadPoolExecutor executor, ProxyServer proxy) {
        this.server = server;
        this.executor = executor;
        this.proxy = proxy;
        this.pool = proxy.upstreams();
        this.address = server.getAddress();
        List<String> none = List.of();
        this.endpoints = Map.of(
                "/upstreams", new Endpoint("GET", none, call -> list()),
                "/upstreams/drain", new Endpoint("POST", List.of("member", "deadline", "spread"), this::drain),
                "/upstreams/resume", new Endpoint("POST", List.of("member"), this::resume),
                "/upstreams/weight", new Endpoint("POST", List.of("member", "weight"), this::weight),
                "/upstreams/add", new Endpoint("POST", List.of("uri", "weight", "backup"), this::add),
                "/upstreams/remove", new Endpoint("POST", List.of("member"), this::remove),
                "/rebalance", new Endpoint("POST", List.of("tolerance", "rate"), this::rebalance));
    }

    /**
     * Binds {@code address} (port 0 for a free one) and serves the API for {@code proxy} until {@link #close()}.
     *
     * @throws IOException if the address cannot be bound; the message names it
     */
    public static AdminServer start(InetSocketAddress address, ProxyServer proxy) throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(proxy, "proxy");
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (BindException e) {
            BindException named = new BindException("Cannot bind the admin API to " + Addresses.format(address) + ": "
                    + e.getMessage());
            named.initCause(e);
            throw named;
        }
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), task -> {
                    Thread thread = new Thread(task, "wsproxy-admin-" + threads.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                });
        executor.allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
        AdminServer admin = new AdminServer(server, executor, proxy);
        server.createContext("/", admin::handle);
        startAsDaemon(server);
        String where = Addresses.format(admin.address);
        if (admin.address.getAddress().isLoopbackAddress()) {
            log.info("Admin API on http://{}/upstreams (no authentication)", where);
        } else {
            log.warn("Admin API on http://{}/upstreams, beyond loopback: it has no authentication, so only operators"
                    + " may reach this address", where);
        }
        return admin;
    }

    /**
     * Starts {@code server} from a daemon thread: the JDK's dispatcher thread takes the daemon status of the thread
     * that starts it, and an admin server left open must not keep the JVM alive.
     */
    private static void startAsDaemon(HttpServer server) {
        Thread starter = new Thread(server::start, "wsproxy-admin-start");
        starter.setDaemon(true);
        starter.start();
        boolean interrupted = false;
        while (starter.isAlive()) {
            try {
                starter.join();
            } catch (InterruptedException e) {
                interrupted = true; // the start takes a moment: finish it, then restore the flag
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** The bound address, with the actual port when port 0 was asked for. */
    public InetSocketAddress address() {
        return address;
    }

    /**
     * Stops at once: closes the listening socket and every connection (a request under way may get no answer), then
     * waits for the server's threads to end. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("Admin API on {}: a request still runs after close", Addresses.format(address));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("Admin API on {} closed", Addresses.format(address));
    }

    @Override
    public String toString() {
        return "AdminServer[" + Addresses.format(address) + "]";
    }

    /** Serves one request: the one catch of this server, so no exception escapes and no stack trace is sent. */
    private void handle(HttpExchange exchange) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String remote = Addresses.format(exchange.getRemoteAddress());
        int status = 200;
        String body;
        try {
            body = dispatch(exchange, method, path, remote);
        } catch (Refusal refusal) {
            status = refusal.status;
            body = error(refusal.getMessage());
        } catch (IllegalArgumentException | IllegalStateException refused) { // the pool or proxy said no
            status = 409;
            body = error(refused.getMessage());
        } catch (RuntimeException e) {
            log.warn("Admin API: {} {} from {} failed", method, path, remote, e);
            status = 500;
            body = error("internal error; see the proxy's log");
        }
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-store");
            byte[] bytes = (body + "\n").getBytes(UTF_8);
            if (method.equals("HEAD")) {
                exchange.sendResponseHeaders(status, -1);
            } else {
                exchange.sendResponseHeaders(status, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            log.debug("Admin API: answer to {} {} from {} not sent: {}", method, path, remote, e.toString());
        }
    }

    private String dispatch(HttpExchange exchange, String method, String path, String remote) {
        Endpoint endpoint = endpoints.get(path);
        if (endpoint == null) {
            throw new Refusal(404, "no such path: " + path + " (see GET /upstreams)");
        }
        // RFC 9110 §9.3.2: HEAD is GET without the body. §15.5.6: a 405 lists the allowed methods in Allow.
        String allowed = endpoint.method().equals("GET") ? "GET, HEAD" : endpoint.method();
        if (!method.equals(endpoint.method()) && !(method.equals("HEAD") && endpoint.method().equals("GET"))) {
            exchange.getResponseHeaders().set("Allow", allowed);
            throw new Refusal(405, method + " not allowed on " + path + "; use " + endpoint.method());
        }
        Map<String, String> parameters = parameters(exchange.getRequestURI().getRawQuery());
        for (String name : parameters.keySet()) {
            if (!endpoint.parameters().contains(name)) {
                throw new Refusal(400, "unknown parameter '" + name + "'; " + path + " takes "
                        + (endpoint.parameters().isEmpty() ? "none" : String.join(", ", endpoint.parameters())));
            }
        }
        return endpoint.action().apply(new Call(parameters, remote));
    }

    /** The query's parameters, percent-decoded; 400 for a malformed escape or a parameter given twice. */
    private static Map<String, String> parameters(String rawQuery) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (rawQuery == null) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            if (parameters.putIfAbsent(name, value) != null) {
                throw new Refusal(400, "parameter '" + name + "' given twice");
            }
        }
        return parameters;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, UTF_8);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "malformed percent-encoding in the query: " + text);
        }
    }

    private String list() {
        StringBuilder json = new StringBuilder("{\"members\":[");
        List<MemberStatus> members = pool.status();
        for (int i = 0; i < members.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            appendMember(json, members.get(i));
        }
        return json.append("],\"openConnections\":").append(proxy.openConnections()).append('}').toString();
    }

    private String drain(Call call) {
        Upstream member = member(call);
        String deadline = call.required("deadline");
        String spread = call.required("spread");
        int closing = proxy.drain(member, duration("deadline", deadline), duration("spread", spread));
        log.info("Admin API, {}: draining upstream {}; {} connections close after {}, spread over {}", call.remote(),
                member, closing, deadline, spread);
        return "{\"closing\":" + closing + "}";
    }

    private String resume(Call call) {
        Upstream member = member(call);
        boolean wasDraining = pool.resume(member);
        log.info("Admin API, {}: upstream {} takes new connections{}", call.remote(), member,
                wasDraining ? " again" : " (it was not draining)");
        return memberJson(statusOf(member));
    }

    private String weight(Call call) {
        Upstream member = member(call);
        int weight = weightOf(call.required("weight"));
        int before = member.weight();
        pool.setWeight(member, weight);
        log.info("Admin API, {}: upstream {} weight {} -> {}", call.remote(), member, before, weight);
        return memberJson(statusOf(member));
    }

    private String add(Call call) {
        String uri = call.required("uri");
        int weight = call.has("weight") ? weightOf(call.required("weight")) : 1;
        boolean backup = call.has("backup") && flag("backup", call.required("backup"));
        Upstream member;
        try {
            member = Upstream.of(uri, weight);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "parameter 'uri': " + e.getMessage());
        }
        if (backup) {
            pool.addBackup(member);
        } else {
            pool.add(member);
        }
        log.info("Admin API, {}: added upstream {}, weight {}{}", call.remote(), member, weight,
                backup ? ", backup" : "");
        return memberJson(statusOf(member));
    }

    private String remove(Call call) {
        Upstream member = member(call);
        MemberStatus last = statusOf(member);
        if (!pool.remove(member)) {
            throw new Refusal(404, "no upstream member at " + call.required("member") + " (removed meanwhile)");
        }
        log.info("Admin API, {}: removed upstream {}; its {} open connections go on until they end", call.remote(),
                member, member.activeConnections());
        return memberJson(last);
    }

    private String rebalance(Call call) {
        double tolerance = decimal("tolerance", call.required("tolerance"));
        double rate = decimal("rate", call.required("rate"));
        if (rate == 0) {
            throw new Refusal(400, "parameter 'rate': must be positive (closes per second), got '"
                    + call.required("rate") + "'");
        }
        int closing = proxy.rebalance(tolerance, rate);
        log.info("Admin API, {}: rebalancing with tolerance {} at {} closes/s; {} connections to close",
                call.remote(), call.required("tolerance"), call.required("rate"), closing);
        return "{\"closing\":" + closing + "}";
    }

    /** The member named by the {@code member} parameter; 404 when none has that address. */
    private Upstream member(Call call) {
        String text = call.required("member");
        String wanted = canonical(text);
        for (Upstream member : pool.members()) {
            if (addressOf(member.address()).equals(wanted)) {
                return member;
            }
        }
        throw new Refusal(404, "no upstream member at " + text + " (GET /upstreams lists their addresses)");
    }

    /** {@code text} as {@link #addressOf} writes it, when it is an IPv6 literal in another form; else itself. */
    private static String canonical(String text) {
        Matcher ipv6 = IPV6_ADDRESS.matcher(text);
        if (!ipv6.matches()) {
            return text;
        }
        try {
            // A literal with a colon is parsed, never looked up.
            InetAddress literal = InetAddress.getByName(ipv6.group(1));
            return addressOf(new InetSocketAddress(literal, Integer.parseInt(ipv6.group(2))));
        } catch (UnknownHostException | IllegalArgumentException e) {
            return text;
        }
    }

    /** The member's resolved address, {@code 10.0.0.7:9000} or {@code [::1]:9000}, never its host name. */
    static String addressOf(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        return ip instanceof Inet6Address ? Addresses.format(address) : ip.getHostAddress() + ":" + address.getPort();
    }

    private MemberStatus statusOf(Upstream member) {
        for (MemberStatus status : pool.status()) {
            if (status.member() == member) {
                return status;
            }
        }
        throw new Refusal(404, "no upstream member at " + addressOf(member.address()) + " (removed meanwhile)");
    }

    private static Duration duration(String name, String text) {
        if (text.equals("0")) {
            return Duration.ZERO;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Refusal(400, "parameter '" + name + "': " + e.getMessage() + ", or 0");
        }
    }

    private static int weightOf(String text) {
        if (!WHOLE.matcher(text).matches() || Integer.parseInt(text) < 1) {
            throw new Refusal(400, "parameter 'weight': must be a whole number of at least 1, got '" + text + "'");
        }
        return Integer.parseInt(text);
    }

    private static boolean flag(String name, String text) {
        if (!text.equals("true") && !text.equals("false")) {
            throw new Refusal(400, "parameter '" + name + "': must be true or false, got '" + text + "'");
        }
        return text.equals("true");
    }

    private static double decimal(String name, String text) {
        if (!DECIMAL.matcher(text).matches()) {
            throw new Refusal(400, "parameter '" + name + "': must be a decimal number of at least 0, like 0.1, got '"
                    + text + "'");
        }
        return Double.parseDouble(text);
    }

    private static String memberJson(MemberStatus status) {
        StringBuilder json = new StringBuilder();
        appendMember(json, status);
        return json.toString();
    }

    private static void appendMember(StringBuilder json, MemberStatus status) {
        json.append("{\"uri\":");
        appendString(json, status.member().uri().toString());
        json.append(",\"address\":");
        appendString(json, addressOf(status.member().address()));
        json.append(",\"state\":\"").append(status.state().name())
                .append("\",\"backup\":").append(status.backup())
                .append(",\"weight\":").append(status.weight())
                .append(",\"active\":").append(status.activeConnections())
                .append(",\"pending\":").append(status.pendingConnections())
                .append(",\"consecutiveFailures\":").append(status.consecutiveFailures())
                .append(",\"failures\":").append(status.failures())
                .append(",\"rttMillis\":").append(status.heartbeatRoundTrip()
                        .map(rtt -> String.format(Locale.ROOT, "%.3f", rtt.toNanos() / 1e6)).orElse("null"))
                .append('}');
    }

    private static String error(String message) {
        StringBuilder json = new StringBuilder("{\"error\":");
        appendString(json, String.valueOf(message));
        return json.append('}').toString();
    }

    /**
     * {@code text} as a JSON string (RFC 8259 §7): quote and backslash escaped, and every character outside printable
     * ASCII as {@code \}{@code uXXXX}, so that the answer stays one line of ASCII whatever a caller sent.
     */
    private static void appendString(StringBuilder json, String text) {
        json.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                json.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                json.append(c);
            }
        }
        json.append('"');
    }
}
