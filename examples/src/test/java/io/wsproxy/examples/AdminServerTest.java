package io.wsproxy.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wsproxy.HeartbeatPolicy;
import io.wsproxy.ProxyServer;
import io.wsproxy.testing.Await;
import io.wsproxy.testing.EchoBackend;
import io.wsproxy.testing.LeakCheck;
import io.wsproxy.testing.Proxies;
import io.wsproxy.testing.TestClient;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link AdminServer} on real loopback sockets: two echo backends behind a real proxy, real WebSocket clients, and
 * the API called with the JDK's HTTP client.
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 30, unit = SECONDS)
class AdminServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** One member object as the API writes it, its fields in their fixed order. */
    private static final Pattern MEMBER = Pattern.compile("\\{\"uri\":\"([^\"]*)\",\"address\":\"([^\"]*)\","
            + "\"state\":\"(UP|DOWN|DRAINING)\",\"backup\":(true|false),\"weight\":(\\d+),\"active\":(\\d+),"
            + "\"pending\":(\\d+),\"consecutiveFailures\":(\\d+),\"failures\":(\\d+),"
            + "\"rttMillis\":(null|\\d+\\.\\d{3})}");
    private static final Pattern OPEN_CONNECTIONS = Pattern.compile(",\"openConnections\":(\\d+)}$");

    private static HttpClient http;

    private EchoBackend first;
    private EchoBackend second;
    private ProxyServer proxy;
    private AdminServer admin;
    private final List<TestClient> clients = new ArrayList<>();

    /** A member as {@code GET /upstreams} showed it. */
    private record Member(String uri, String address, String state, boolean backup, int weight, int active,
            int pending, int consecutiveFailures, long failures, String rttMillis) {
    }

    private record Answer(int status, String body, HttpResponse<String> response) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    @BeforeAll
    static void client() {
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
    }

    @BeforeEach
    void start() throws Exception {
        first = EchoBackend.start("first");
        second = EchoBackend.start("second");
        proxy = Proxies.start(first.uri(), second.uri());
        admin = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), proxy);
    }

    @AfterEach
    void stop() {
        for (TestClient client : clients) {
            client.closeQuietly(Duration.ofSeconds(2));
        }
        if (admin != null) {
            admin.close();
        }
        Proxies.closeQuietly(proxy);
        first.close();
        second.close();
    }

    @Test
    void listsEachMemberWithItsStateWeightAndConnections() throws Exception {
        Answer empty = call("GET", "/upstreams");
        assertEquals(200, empty.status());
        assertEquals("application/json; charset=utf-8", empty.header("Content-Type"));
        assertEquals("{\"members\":[" + idle(first) + "," + idle(second) + "],\"openConnections\":0}\n",
                empty.body());

        for (int i = 0; i < 3; i++) {
            connect();
        }
        // The backends count their connections themselves: the API must agree with them.
        awaitMembers("active counts as the backends see them", members -> members.size() == 2
                && member(members, first).active() == first.openCount()
                && member(members, second).active() == second.openCount()
                && first.openCount() + second.openCount() == 3);
        assertTrue(first.openCount() >= 1 && second.openCount() >= 1, "round robin uses both");
        assertEquals(3, openConnections(call("GET", "/upstreams").body()));

        Answer head = call("HEAD", "/upstreams");
        assertEquals(200, head.status());
        assertEquals("", head.body());
    }

    @Test
    void drainClosesTheMembersConnectionsWith1012AndResumeTakesNewOnesAgain() throws Exception {
        for (int i = 0; i < 4; i++) {
            connect();
        }
        Await.until("both backends hold connections", WAIT,
                () -> first.openCount() + second.openCount() == 4 && first.openCount() > 0);
        int onFirst = first.openCount();

        Answer drained = call("POST", "/upstreams/drain?member=" + address(first) + "&deadline=50ms&spread=100ms");
        assertEquals(200, drained.status(), drained.body());
        assertEquals("{\"closing\":" + onFirst + "}\n", drained.body());

        Await.until("the first backend's connections closed", WAIT, () -> first.openCount() == 0);
        Await.until(() -> onFirst + " clients closed, " + closeCodes(), WAIT,
                () -> clients.stream().filter(client -> client.closed.isDone()).count() == onFirst);
        for (TestClient client : clients) {
            if (client.closed.isDone()) {
                assertEquals(1012, client.awaitClose(WAIT).code(), "Service Restart, so the client reconnects");
            }
        }
        assertEquals(4 - onFirst, second.openCount(), "the other member's connections stay");
        awaitMembers("the first member draining with nothing open", members ->
                member(members, first).state().equals("DRAINING") && member(members, first).active() == 0
                        && member(members, second).state().equals("UP"));

        int firstBefore = first.openedCount();
        int secondBefore = second.openedCount();
        connect();
        Await.until("the new connection on the second backend", WAIT, () -> second.openedCount() == secondBefore + 1);
        assertEquals(firstBefore, first.openedCount(), "a draining member gets no new connection");

        Answer resumed = call("POST", "/upstreams/resume?member=" + address(first));
        assertEquals(200, resumed.status(), resumed.body());
        assertEquals("UP", parseMember(resumed.body()).state());
        assertEquals("UP", member(members(), first).state());
    }

    @Test
    void weightChangeIsVisible() throws Exception {
        Answer changed = call("POST", "/upstreams/weight?member=" + address(second) + "&weight=3");
        assertEquals(200, changed.status(), changed.body());
        Member member = parseMember(changed.body());
        assertEquals(address(second), member.address());
        assertEquals(3, member.weight());

        List<Member> members = members();
        assertEquals(1, member(members, first).weight());
        assertEquals(3, member(members, second).weight());
    }

    @Test
    void addsABackupMemberThenRemovesItButNeverTheLastPrimary() throws Exception {
        try (EchoBackend third = EchoBackend.start("third")) {
            String uri = URLEncoder.encode(third.uri(), UTF_8);
            Answer added = call("POST", "/upstreams/add?uri=" + uri + "&weight=2&backup=true");
            assertEquals(200, added.status(), added.body());
            Member member = parseMember(added.body());
            assertEquals(third.uri(), member.uri());
            assertEquals(address(third), member.address());
            assertTrue(member.backup());
            assertEquals(2, member.weight());
            assertEquals("UP", member.state());
            assertEquals(3, members().size());
            assertEquals(member, member(members(), third));

            Answer again = call("POST", "/upstreams/add?uri=" + uri);
            assertEquals(409, again.status());
            assertTrue(again.body().contains("already in the pool"), again.body());

            Answer removed = call("POST", "/upstreams/remove?member=" + address(third));
            assertEquals(200, removed.status(), removed.body());
            assertEquals(address(third), parseMember(removed.body()).address());
            List<Member> left = members();
            assertEquals(List.of(address(first), address(second)), left.stream().map(Member::address).toList());
        }

        assertEquals(200, call("POST", "/upstreams/remove?member=" + address(first)).status());
        Answer last = call("POST", "/upstreams/remove?member=" + address(second));
        assertEquals(409, last.status());
        assertTrue(last.body().startsWith("{\"error\":\"Cannot remove ws://127.0.0.1:" + second.port()
                + ", the last member that is not a backup\"}"), last.body());
        assertEquals(1, members().size());
    }

    @Test
    void rebalanceClosesTheExcessOfACrowdedMember() throws Exception {
        // The second member takes nothing while the clients connect ("0": the drain has nothing to close)...
        assertEquals("{\"closing\":0}\n",
                call("POST", "/upstreams/drain?member=" + address(second) + "&deadline=0&spread=0").body());
        for (int i = 0; i < 4; i++) {
            connect();
        }
        Await.until("all four on the first backend", WAIT, () -> first.openCount() == 4);
        // ...then it is back, as new capacity joins: the first holds 4 where its share is 2.
        assertEquals(200, call("POST", "/upstreams/resume?member=" + address(second)).status());
        awaitMembers("the first member's 4 connections counted", members -> member(members, first).active() == 4);

        Answer rebalanced = call("POST", "/rebalance?tolerance=0.1&rate=1000");
        assertEquals(200, rebalanced.status(), rebalanced.body());
        // Two event loops, two connections each (loops take connections in turn): half of each is two in all.
        assertEquals("{\"closing\":2}\n", rebalanced.body());
        Await.until(() -> "two clients closed with 1012: " + closeCodes(), WAIT,
                () -> clients.stream().filter(client -> client.closed.isDone()).count() == 2);
        for (TestClient client : clients) {
            if (client.closed.isDone()) {
                assertEquals(1012, client.awaitClose(WAIT).code());
            }
        }
        Await.until("the first backend down to 2", WAIT, () -> first.openCount() == 2);
    }

    @Test
    void refusesWrongMethodsUnknownPathsAndBadParameters() throws Exception {
        Answer postList = call("POST", "/upstreams");
        assertEquals(405, postList.status());
        assertEquals("GET, HEAD", postList.header("Allow"));
        assertEquals("{\"error\":\"POST not allowed on /upstreams; use GET\"}\n", postList.body());
        Answer getDrain = call("GET", "/upstreams/drain?member=" + address(first) + "&deadline=1s&spread=1s");
        assertEquals(405, getDrain.status());
        assertEquals("POST", getDrain.header("Allow"));
        assertEquals("UP", member(members(), first).state(), "the first member is not drained by a GET");
        Answer deleteRebalance = call("DELETE", "/rebalance");
        assertEquals(405, deleteRebalance.status());
        assertEquals("POST", deleteRebalance.header("Allow"));

        assertRefused(404, "{\"error\":\"no such path: /nope (see GET /upstreams)\"}", "GET", "/nope");
        assertRefused(404, "{\"error\":\"no such path: /upstreams/ (see GET /upstreams)\"}", "GET", "/upstreams/");
        assertRefused(404, "{\"error\":\"no upstream member at 127.0.0.1:1 (GET /upstreams lists their addresses)\"}",
                "POST", "/upstreams/resume?member=127.0.0.1:1");
        // What the caller sent comes back escaped: still one line of JSON.
        assertRefused(404, "{\"error\":\"no upstream member at a\\\"b\\\\\\u000ac\\u00e9 (GET /upstreams lists their"
                + " addresses)\"}", "POST", "/upstreams/resume?member=a%22b%5C%0Ac%C3%A9");

        assertRefused(400, "{\"error\":\"parameter 'deadline': invalid duration 'soon' (use e.g. 500ms, 30s, 2m), or"
                + " 0\"}", "POST", "/upstreams/drain?member=" + address(first) + "&deadline=soon&spread=1s");
        assertRefused(400, "{\"error\":\"missing parameter 'spread'\"}",
                "POST", "/upstreams/drain?member=" + address(first) + "&deadline=1s");
        assertRefused(400, "{\"error\":\"missing parameter 'member'\"}", "POST", "/upstreams/resume");
        assertRefused(400, "{\"error\":\"parameter 'weight': must be a whole number of at least 1, got '0'\"}",
                "POST", "/upstreams/weight?member=" + address(first) + "&weight=0");
        assertRefused(400, "{\"error\":\"parameter 'weight': must be a whole number of at least 1, got 'heavy'\"}",
                "POST", "/upstreams/weight?member=" + address(first) + "&weight=heavy");
        assertRefused(400, "{\"error\":\"unknown parameter 'wieght'; /upstreams/weight takes member, weight\"}",
                "POST", "/upstreams/weight?member=" + address(first) + "&wieght=2");
        assertRefused(400, "{\"error\":\"parameter 'member' given twice\"}",
                "POST", "/upstreams/resume?member=" + address(first) + "&member=" + address(second));
        assertRefused(400, "{\"error\":\"parameter 'backup': must be true or false, got 'yes'\"}",
                "POST", "/upstreams/add?uri=ws://127.0.0.1:1&backup=yes");
        assertRefused(400, "{\"error\":\"parameter 'uri': Upstream URI must start with ws:// or wss://, got"
                + " 'http://127.0.0.1:1'\"}", "POST", "/upstreams/add?uri=http://127.0.0.1:1");
        assertRefused(400, "{\"error\":\"parameter 'tolerance': must be a decimal number of at least 0, like 0.1,"
                + " got '-1'\"}", "POST", "/rebalance?tolerance=-1&rate=50");
        assertRefused(400, "{\"error\":\"parameter 'rate': must be positive (closes per second), got '0'\"}",
                "POST", "/rebalance?tolerance=0.1&rate=0");
        // The JDK's client refuses to send a malformed escape; sent raw, the JDK's server refuses it before the API
        // sees it, with its own 400.
        String malformed = rawAnswer(admin.address(), "POST /upstreams/resume?member=%zz");
        assertTrue(malformed.startsWith("HTTP/1.1 400 "), malformed);
        assertFalse(malformed.contains("\tat "), malformed);

        // None of that changed the pool.
        List<Member> members = members();
        assertEquals(2, members.size());
        assertTrue(members.stream().allMatch(m -> m.state().equals("UP") && m.weight() == 1), members::toString);
    }

    @Test
    void reportsTheHeartbeatRoundTripOnceMeasured() throws Exception {
        ProxyServer pinging = Proxies.to(first.uri())
                .heartbeat(HeartbeatPolicy.builder().interval(Duration.ofMillis(50)).build())
                .build().start();
        try (AdminServer pingingAdmin = AdminServer.start(new InetSocketAddress("127.0.0.1", 0), pinging)) {
            TestClient client = TestClient.open(Proxies.uri(pinging));
            clients.add(client);
            URI list = URI.create("http://" + Addresses.format(pingingAdmin.address()) + "/upstreams");
            Await.until("a round trip in rttMillis", WAIT, () -> !parseMembers(send("GET", list).body()).get(0)
                    .rttMillis().equals("null"));
            assertTrue(Double.parseDouble(parseMembers(send("GET", list).body()).get(0).rttMillis()) >= 0);
            client.closeQuietly(WAIT);
        } finally {
            Proxies.closeQuietly(pinging);
        }
    }

    @Test
    void closeReleasesThePortAndTheThreads() throws Exception {
        InetSocketAddress bound = admin.address();
        assertTrue(bound.getPort() > 0);
        assertEquals(200, call("GET", "/upstreams").status()); // threads of the admin server are running
        admin.close();
        admin.close(); // idempotent

        // Raw sockets from here: the HTTP client's pooled connection to the old server is not to be reused.
        assertThrows(ConnectException.class, () -> new Socket(bound.getAddress(), bound.getPort()).close());
        Await.until(() -> "admin threads ended: " + adminThreads(), WAIT, () -> adminThreads().isEmpty());

        try (AdminServer again = AdminServer.start(bound, proxy)) {
            assertEquals(bound, again.address());
            assertTrue(rawAnswer(bound, "GET /upstreams").startsWith("HTTP/1.1 200 OK\r\n"));
        }
        // The JDK's dispatcher thread may still be finishing when stop() returns: its end is waited for, as above.
        Await.until(() -> "no admin thread left: " + adminThreads(), WAIT, () -> adminThreads().isEmpty());
    }

    // --- helpers ---

    private static List<String> adminThreads() {
        List<String> names = new ArrayList<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && (thread.getName().startsWith("wsproxy-admin")
                    || thread.getName().equals("HTTP-Dispatcher"))) {
                names.add(thread.getName());
            }
        }
        return names;
    }

    /** The whole answer to {@code requestLine} on a connection of its own, which the server closes after it. */
    private static String rawAnswer(InetSocketAddress address, String requestLine) throws IOException {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write((requestLine + " HTTP/1.1\r\nHost: admin\r\nConnection: close\r\n\r\n").getBytes(UTF_8));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), UTF_8);
        }
    }

    private void connect() throws InterruptedException {
        clients.add(TestClient.open(Proxies.uri(proxy)));
    }

    private List<Object> closeCodes() {
        return clients.stream().map(client -> (Object) client.closed.getNow(null)).toList();
    }

    private static String address(EchoBackend backend) {
        return "127.0.0.1:" + backend.port();
    }

    /** A member that nothing has touched, exactly as the API writes it. */
    private static String idle(EchoBackend backend) {
        return "{\"uri\":\"ws://127.0.0.1:" + backend.port() + "\",\"address\":\"127.0.0.1:" + backend.port()
                + "\",\"state\":\"UP\",\"backup\":false,\"weight\":1,\"active\":0,\"pending\":0,"
                + "\"consecutiveFailures\":0,\"failures\":0,\"rttMillis\":null}";
    }

    private void assertRefused(int status, String body, String method, String pathAndQuery) {
        Answer answer = call(method, pathAndQuery);
        assertEquals(status, answer.status(), () -> method + " " + pathAndQuery + ": " + answer.body());
        assertEquals(body + "\n", answer.body(), () -> method + " " + pathAndQuery);
        assertEquals("application/json; charset=utf-8", answer.header("Content-Type"));
        assertFalse(answer.body().contains("Exception"), answer.body());
    }

    private Answer call(String method, String pathAndQuery) {
        return send(method, URI.create("http://" + Addresses.format(admin.address()) + pathAndQuery));
    }

    private static Answer send(String method, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(WAIT)
                .method(method, HttpRequest.BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
            return new Answer(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + uri, e);
        }
    }

    private List<Member> members() {
        Answer answer = call("GET", "/upstreams");
        assertEquals(200, answer.status(), answer.body());
        return parseMembers(answer.body());
    }

    private void awaitMembers(String what, Predicate<List<Member>> condition) {
        List<List<Member>> last = new ArrayList<>(List.of(List.of()));
        Await.until(() -> what + "; last seen: " + last.get(0), WAIT, () -> {
            last.set(0, members());
            return condition.test(last.get(0));
        });
    }

    private static Member member(List<Member> members, EchoBackend backend) {
        return members.stream().filter(member -> member.address().equals(address(backend))).findFirst()
                .orElseThrow(() -> new AssertionError("no member " + address(backend) + " in " + members));
    }

    private static int openConnections(String body) {
        Matcher matcher = OPEN_CONNECTIONS.matcher(body.trim());
        assertTrue(matcher.find(), body);
        return Integer.parseInt(matcher.group(1));
    }

    private static List<Member> parseMembers(String body) {
        assertTrue(body.startsWith("{\"members\":[") && body.endsWith("}\n"), body);
        List<Member> members = new ArrayList<>();
        Matcher matcher = MEMBER.matcher(body);
        while (matcher.find()) {
            members.add(toMember(matcher));
        }
        return members;
    }

    private static Member parseMember(String body) {
        Matcher matcher = MEMBER.matcher(body.trim());
        assertTrue(matcher.matches(), body);
        return toMember(matcher);
    }

    private static Member toMember(Matcher matcher) {
        return new Member(matcher.group(1), matcher.group(2), matcher.group(3), Boolean.parseBoolean(matcher.group(4)),
                Integer.parseInt(matcher.group(5)), Integer.parseInt(matcher.group(6)),
                Integer.parseInt(matcher.group(7)), Integer.parseInt(matcher.group(8)),
                Long.parseLong(matcher.group(9)), matcher.group(10));
    }
}
