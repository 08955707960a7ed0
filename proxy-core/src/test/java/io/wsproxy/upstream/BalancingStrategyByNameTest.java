package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link BalancingStrategy#byName}: every name and alias the runner's --balance takes, and the mistakes. */
class BalancingStrategyByNameTest {

    static Stream<Arguments> names() {
        return Stream.of(
                Arguments.of("round-robin", RoundRobinStrategy.class, "round-robin"),
                Arguments.of("roundrobin", RoundRobinStrategy.class, "round-robin"),
                Arguments.of("Round-Robin", RoundRobinStrategy.class, "round-robin"),
                Arguments.of("least-connections", LeastConnectionsStrategy.class, "least-connections"),
                Arguments.of("least-conn", LeastConnectionsStrategy.class, "least-connections"),
                Arguments.of("random-two", RandomTwoChoicesStrategy.class, "random-two"),
                Arguments.of("p2c", RandomTwoChoicesStrategy.class, "random-two"),
                Arguments.of("IP-Hash", IpHashStrategy.class, "ip-hash"),
                Arguments.of("hash:ip", ConsistentHashStrategy.class, "hash:ip"),
                Arguments.of("hash:IP", ConsistentHashStrategy.class, "hash:ip"),
                Arguments.of("hash:header:X-Tenant", ConsistentHashStrategy.class, "hash:header:X-Tenant"),
                Arguments.of("Hash:Cookie:SessionID", ConsistentHashStrategy.class, "hash:cookie:SessionID"),
                Arguments.of("hash:query:room", ConsistentHashStrategy.class, "hash:query:room"),
                Arguments.of(" p2c ", RandomTwoChoicesStrategy.class, "random-two"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void knowsEveryNameAndAlias(String name, Class<? extends BalancingStrategy> type, String canonical) {
        BalancingStrategy strategy = BalancingStrategy.byName(name);
        assertInstanceOf(type, strategy);
        assertEquals(canonical, strategy.toString());
        assertInstanceOf(type, BalancingStrategy.byName(canonical), "the canonical name names it again");
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
                Arguments.of("fastest", "Unknown balancing strategy 'fastest'; known: round-robin, least-connections"
                        + " (least-conn), random-two (p2c), ip-hash, hash:ip, hash:header:NAME, hash:cookie:NAME,"
                        + " hash:query:NAME"),
                Arguments.of("", "Unknown balancing strategy ''; known: round-robin, "),
                Arguments.of("hash", "Unknown balancing strategy 'hash'; known: "),
                Arguments.of("hash:", "Invalid balancing strategy 'hash:': the key must be ip, header:NAME,"
                        + " cookie:NAME or query:NAME"),
                Arguments.of("hash:url", "Invalid balancing strategy 'hash:url': the key must be ip, header:NAME,"
                        + " cookie:NAME or query:NAME"),
                Arguments.of("hash:ip:x", "Invalid balancing strategy 'hash:ip:x': the key must be ip,"),
                Arguments.of("hash:header", "Invalid balancing strategy 'hash:header': a header name is required,"
                        + " as in hash:header:X-Tenant"),
                Arguments.of("hash:cookie", "Invalid balancing strategy 'hash:cookie': a cookie name is required,"
                        + " as in hash:cookie:session"),
                Arguments.of("hash:query", "Invalid balancing strategy 'hash:query': a query parameter name is"
                        + " required, as in hash:query:room"),
                Arguments.of("hash:header:", "Invalid balancing strategy 'hash:header:': a header name is required"),
                Arguments.of("hash:header:X Tenant", "Invalid balancing strategy 'hash:header:X Tenant': invalid"
                        + " header name 'X Tenant' (letters, digits and !#$%&'*+-.^_`|~ only)"),
                Arguments.of("hash:cookie:a=b", "Invalid balancing strategy 'hash:cookie:a=b': invalid cookie name"),
                Arguments.of("hash:query:a&b", "Invalid balancing strategy 'hash:query:a&b': invalid query parameter"
                        + " name 'a&b'"));
    }

    @ParameterizedTest(name = "[{index}] ''{0}''")
    @MethodSource("mistakes")
    void aMistakeIsExplained(String name, String messageStart) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BalancingStrategy.byName(name));
        assertTrue(e.getMessage().startsWith(messageStart), e.getMessage());
    }
}
