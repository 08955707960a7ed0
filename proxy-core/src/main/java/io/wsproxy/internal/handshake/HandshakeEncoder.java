package io.wsproxy.internal.handshake;

import io.wsproxy.ForwardedHeaders;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Encodes the heads the proxy sends: the upgrade request to the upstream and the answers to the client (DESIGN.md
 * §3, §4). Header text is written as ISO-8859-1, as it was received. Stateless and thread-safe.
 */
public final class HandshakeEncoder {
    /** RFC 9110 §7.6.1 and RFC 9112 §7.4: fields meant for one connection only, never forwarded. */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    private HandshakeEncoder() {
    }

    /**
     * The upgrade request sent upstream: the same target in HTTP/1.1; Host first (the client's if
     * {@code preserveHost}, else {@code upstreamAuthority}); the client's end-to-end fields in order; {@code
     * Upgrade: websocket} and {@code Connection: Upgrade}; the forwarding fields the config turns on (replacing
     * what the client sent of them); finally the config's fixed fields, each replacing any same-named field in
     * place. Content-Length is dropped too: the request has no body.
     */
    public static byte[] upstreamRequest(HttpRequest request, ForwardedHeaders config, InetAddress clientAddress,
            boolean secure, String upstreamAuthority) {
        HttpHeaders client = request.headers();
        String clientHost = client.first("Host");
        Set<String> dropped = droppedNames(client);
        dropped.add("host");
        dropped.add("content-length");
        List<String> forwardedFor = new ArrayList<>(1);
        if (config.forwardedFor()) {
            if (!dropped.contains("x-forwarded-for")) { // unless the client named it in Connection
                for (String value : client.all("X-Forwarded-For")) {
                    if (!value.isEmpty()) {
                        forwardedFor.add(value);
                    }
                }
            }
            dropped.add("x-forwarded-for");
        }
        if (config.realIp()) {
            dropped.add("x-real-ip");
        }
        if (config.forwardedProto()) {
            dropped.add("x-forwarded-proto");
        }
        if (config.forwardedHost()) {
            dropped.add("x-forwarded-host");
        }

        List<String[]> fields = new ArrayList<>(client.size() + 8);
        // RFC 9110 §7.2: Host goes first.
        fields.add(field("Host", config.preserveHost() ? clientHost : upstreamAuthority));
        copyFields(client, dropped, fields);
        fields.add(field("Upgrade", "websocket"));
        fields.add(field("Connection", "Upgrade"));
        String clientIp = ClientAddressText.of(clientAddress);
        if (config.forwardedFor()) {
            forwardedFor.add(clientIp);
            fields.add(field("X-Forwarded-For", String.join(", ", forwardedFor)));
        }
        if (config.realIp()) {
            fields.add(field("X-Real-IP", clientIp));
        }
        if (config.forwardedProto()) {
            fields.add(field("X-Forwarded-Proto", secure ? "https" : "http"));
        }
        if (config.forwardedHost()) {
            fields.add(field("X-Forwarded-Host", clientHost));
        }
        for (Map.Entry<String, String> fixed : config.fixed().values()) {
            replace(fields, fixed.getKey(), fixed.getValue());
        }
        return encode(request.method() + " " + request.target() + " HTTP/1.1", fields, null);
    }

    /**
     * The 101 sent to the client from the upstream's 101: our own Upgrade and Connection, then every upstream
     * field except hop-by-hop ones, so Sec-WebSocket-Accept, -Protocol, -Extensions, Set-Cookie and custom
     * fields pass. Content-Length is dropped (RFC 9110 §8.6: never in a 1xx).
     */
    public static byte[] switchingProtocols(HttpResponse upstream101) {
        Set<String> dropped = droppedNames(upstream101.headers());
        dropped.add("content-length");
        List<String[]> fields = new ArrayList<>(upstream101.headers().size() + 2);
        fields.add(field("Upgrade", "websocket"));
        fields.add(field("Connection", "Upgrade"));
        copyFields(upstream101.headers(), dropped, fields);
        return encode("HTTP/1.1 101 Switching Protocols", fields, null);
    }

    /**
     * A non-101 upstream answer relayed to the client: the same status and reason in HTTP/1.1, fields minus
     * hop-by-hop ones and Content-Length, then our Content-Length (omitted for 204 and 304, RFC 9110 §8.6),
     * {@code Connection: close}, and the decoded body.
     */
    public static byte[] relayedResponse(HttpResponse response) {
        Set<String> dropped = droppedNames(response.headers());
        dropped.add("content-length");
        List<String[]> fields = new ArrayList<>(response.headers().size() + 2);
        copyFields(response.headers(), dropped, fields);
        if (response.status() != 204 && response.status() != 304) {
            fields.add(field("Content-Length", Integer.toString(response.bodyLength())));
        }
        fields.add(field("Connection", "close"));
        // RFC 9112 §4: the space before the reason phrase is there even when the phrase is empty.
        return encode("HTTP/1.1 " + response.status() + " " + response.reasonPhrase(), fields, response.body());
    }

    /**
     * The proxy's own error answer: status line, plain-text type, length, {@code Connection: close}, the error's
     * extra fields, and a one-line body {@code "<status> <reason>\n"}; never the detail.
     */
    public static byte[] errorResponse(HttpError error) {
        String statusText = error.status() + " " + error.reasonPhrase();
        byte[] body = (statusText + "\n").getBytes(StandardCharsets.US_ASCII);
        List<String[]> fields = new ArrayList<>(3 + error.extraHeaders().size());
        fields.add(field("Content-Type", "text/plain; charset=utf-8"));
        fields.add(field("Content-Length", Integer.toString(body.length)));
        fields.add(field("Connection", "close"));
        for (Map.Entry<String, String> extra : error.extraHeaders()) {
            fields.add(field(extra.getKey(), extra.getValue()));
        }
        return encode("HTTP/1.1 " + statusText, fields, body);
    }

    /**
     * Lower-case names not to forward: the hop-by-hop set and every field named in Connection (RFC 9110
     * §7.6.1), except Host and the Sec-WebSocket-* fields, which a peer cannot withdraw from the handshake.
     */
    static Set<String> droppedNames(HttpHeaders headers) {
        Set<String> dropped = new HashSet<>(HOP_BY_HOP);
        for (String value : headers.all("Connection")) {
            for (String element : HttpSyntax.listElements(value)) {
                String name = element.toLowerCase(Locale.ROOT);
                if (!name.equals("host") && !name.startsWith("sec-websocket-")) {
                    dropped.add(name);
                }
            }
        }
        return dropped;
    }

    private static void copyFields(HttpHeaders headers, Set<String> dropped, List<String[]> fields) {
        for (int i = 0; i < headers.size(); i++) {
            if (!dropped.contains(headers.name(i).toLowerCase(Locale.ROOT))) {
                fields.add(field(headers.name(i), headers.value(i)));
            }
        }
    }

    /** Sets {@code name} at the place of its first occurrence, removing any other; appends it if absent. */
    private static void replace(List<String[]> fields, String name, String value) {
        int first = -1;
        for (int i = 0; i < fields.size(); i++) {
            if (fields.get(i)[0].equalsIgnoreCase(name)) {
                if (first < 0) {
                    first = i;
                    fields.set(i, field(name, value));
                } else {
                    fields.remove(i--);
                }
            }
        }
        if (first < 0) {
            fields.add(field(name, value));
        }
    }

    private static String[] field(String name, String value) {
        return new String[] {name, value};
    }

    /** RFC 9112 §2.1: start-line CRLF *( field-line CRLF ) CRLF [ body ]. */
    private static byte[] encode(String startLine, List<String[]> fields, byte[] body) {
        StringBuilder head = new StringBuilder(256);
        head.append(startLine).append("\r\n");
        for (String[] field : fields) {
            head.append(field[0]).append(": ").append(field[1]).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (body == null || body.length == 0) {
            return headBytes;
        }
        byte[] message = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, message, 0, headBytes.length);
        System.arraycopy(body, 0, message, headBytes.length, body.length);
        return message;
    }
}
