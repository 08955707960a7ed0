package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which part of a request each key hashes; equal hashes mean the same member. */
class HashKeyTest {
    private static final long NONE = Rendezvous.NO_KEY;

    @Test
    void aHeaderIsFoundInAnyCaseAndHashedWithoutSurroundingSpaces() {
        HashKey key = HashKey.header("X-Tenant");
        long acme = key.hash(Traffic.withHeader("x-tenant", "acme"));
        assertNotEquals(NONE, acme);
        assertEquals(acme, key.hash(Traffic.withHeader("X-TENANT", " acme\t")));
        assertNotEquals(acme, key.hash(Traffic.withHeader("x-tenant", "Acme")));
        assertEquals(acme, key.hash(new ClientRequest(new InetSocketAddress("127.0.0.1", 1), "/", null,
                Map.of("x-tenant", List.of("acme", "other")))), "the first value");
        assertEquals(NONE, key.hash(Traffic.withHeader("x-tenant", "  ")));
        assertEquals(NONE, key.hash(Traffic.withHeader("x-other", "acme")));
    }

    @Test
    void aCookieIsTheFirstPairOfThatExactName() {
        HashKey key = HashKey.cookie("session");
        long abc = key.hash(Traffic.withCookies("session=abc"));
        assertNotEquals(NONE, abc);
        assertEquals(abc, key.hash(Traffic.withCookies("theme=dark; session=abc; lang=en")));
        assertEquals(abc, key.hash(Traffic.withCookies("xsession=1;session=abc")));
        assertEquals(abc, key.hash(Traffic.withCookies("session=abc; session=def")));
        assertEquals(abc, key.hash(Traffic.withCookies("theme=dark", "session=abc")), "in a second Cookie field");
        assertNotEquals(abc, key.hash(Traffic.withCookies("session=\"abc\"")), "quotes are part of the value");
        assertEquals(NONE, key.hash(Traffic.withCookies("Session=abc")), "names are case-sensitive");
        assertEquals(NONE, key.hash(Traffic.withCookies("session=; other=abc")));
        assertEquals(NONE, key.hash(Traffic.withCookies("sessionid=abc")));
        assertEquals(NONE, key.hash(Traffic.ANONYMOUS));
    }

    @Test
    void aQueryParameterIsTheFirstOfThatExactNameAsSent() {
        HashKey key = HashKey.query("room");
        long five = key.hash(Traffic.withQuery("room=5"));
        assertNotEquals(NONE, five);
        assertEquals(five, key.hash(Traffic.withQuery("user=1&room=5&room=6")));
        assertEquals(five, key.hash(Traffic.withQuery("xroom=4&room=5")));
        assertNotEquals(key.hash(Traffic.withQuery("room=a%20b")), key.hash(Traffic.withQuery("room=a+b")),
                "values are not decoded");
        assertEquals(NONE, key.hash(Traffic.withQuery("Room=5")));
        assertEquals(NONE, key.hash(Traffic.withQuery("room")));
        assertEquals(NONE, key.hash(Traffic.withQuery("room=&x=1")));
        assertEquals(NONE, key.hash(Traffic.withQuery("")));
        assertEquals(NONE, key.hash(Traffic.ANONYMOUS));
    }

    @Test
    void theClientIpIsTheWholeAddressWhereIpHashTakesTheIpv4Network() {
        HashKey key = HashKey.clientIp();
        assertNotEquals(key.hash(Traffic.from("10.0.0.1")), key.hash(Traffic.from("10.0.0.2")));
        assertEquals(key.hash(Traffic.from("10.0.0.1")), key.hash(Traffic.from("10.0.0.1")));
        assertEquals(HashKey.hashAddress(Traffic.from("10.0.0.1"), true),
                HashKey.hashAddress(Traffic.from("10.0.0.2"), true));
        assertNotEquals(HashKey.hashAddress(Traffic.from("2001:db8::1"), true),
                HashKey.hashAddress(Traffic.from("2001:db8::2"), true));
        ClientRequest unresolved = new ClientRequest(InetSocketAddress.createUnresolved("client", 1), "/", null,
                Map.of());
        assertEquals(NONE, key.hash(unresolved));
    }

    @Test
    void keysAreValuesNamedAsInStrategyNames() {
        assertEquals(HashKey.header("X-Tenant"), HashKey.header("X-Tenant"));
        assertEquals(HashKey.header("X-Tenant").hashCode(), HashKey.header("X-Tenant").hashCode());
        assertNotEquals(HashKey.header("room"), HashKey.query("room"));
        assertEquals("ip", HashKey.clientIp().toString());
        assertEquals("header:X-Tenant", HashKey.header("X-Tenant").toString());
        assertEquals("cookie:session", HashKey.cookie("session").toString());
        assertEquals("query:room", HashKey.query("room").toString());
    }

    @Test
    void badNamesFailWithAClearMessage() {
        assertMessage("Invalid header name 'X Tenant'", () -> HashKey.header("X Tenant"));
        assertMessage("A header name is required", () -> HashKey.header(""));
        assertMessage("Invalid cookie name 'a;b'", () -> HashKey.cookie("a;b"));
        assertMessage("Invalid query parameter name 'a&b'", () -> HashKey.query("a&b"));
        assertMessage("Invalid query parameter name 'a=b'", () -> HashKey.query("a=b"));
        assertMessage("A query parameter name is required", () -> HashKey.query(""));
    }

    @Test
    void theHashIsFnv1aFinishedWithFmix64() {
        // FNV-1a 64 of "a" is af63dc4c8601ec8c (the published test vector); fmix64 then spreads it.
        assertEquals(Rendezvous.fmix64(0xaf63dc4c8601ec8cL), Rendezvous.keyHash("a", 0, 1));
        assertEquals(Rendezvous.keyHash(new byte[] {'a'}, 1), Rendezvous.keyHash("a", 0, 1));
        assertEquals(0, Rendezvous.fmix64(0));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
