package io.wsproxy.internal.handshake;

import io.wsproxy.ForwardedHeaders;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Encodes the heads the proxy sends: the upgrade request to the upstream and the answers to the client (DESIGN.md
 * §3, §4). Header text is written as ISO-8859-1, as it was received. Stateless and thread-safe.
 */
public final class HandshakeEncoder {
    /** RFC 9110 §7.6.1 and RFC 9112 §7.4: fields meant for one connection only, never forwarded. */
    private static final String[] HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection",
        "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"};
    /** Dropped besides the hop-by-hop fields from every response relayed. */
    private static final String[] CONTENT_LENGTH = {"content-length"};

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
        String[] dropped = {"host", "content-length",
            config.forwardedFor() ? "x-forwarded-for" : null, config.realIp() ? "x-real-ip" : null,
            config.forwardedProto() ? "x-forwarded-proto" : null, config.forwardedHost() ? "x-forwarded-host" : null};
        String clientIp = ClientAddressText.of(clientAddress);
        String forwardedFor = null;
        if (config.forwardedFor()) {
            forwardedFor = clientIp;
            if (!namedInConnection(client, "x-forwarded-for")) {
                forwardedFor = forwardedFor(client, clientIp);
            }
        }

        FieldList fields = new FieldList(client.size() + 8);
        // RFC 9110 §7.2: Host goes first.
        fields.add("Host", config.preserveHost() ? clientHost : upstreamAuthority);
        copyFields(client, dropped, fields);
        fields.add("Upgrade", "websocket");
        fields.add("Connection", "Upgrade");
        if (config.forwardedFor()) {
            fields.add("X-Forwarded-For", forwardedFor);
        }
        if (config.realIp()) {
            fields.add("X-Real-IP", clientIp);
        }
        if (config.forwardedProto()) {
            fields.add("X-Forwarded-Proto", secure ? "https" : "http");
        }
        if (config.forwardedHost()) {
            fields.add("X-Forwarded-Host", clientHost);
        }
        for (Map.Entry<String, String> fixed : config.fixed().values()) {
            fields.replace(fixed.getKey(), fixed.getValue());
        }
        return fields.encode(request.method() + " " + request.target() + " HTTP/1.1", null);
    }

    /** The client's non-empty X-Forwarded-For values, then {@code clientIp}, joined by ", ". */
    private static String forwardedFor(HttpHeaders client, String clientIp) {
        StringBuilder joined = null;
        for (int i = 0; i < client.size(); i++) {
            if (client.name(i).equalsIgnoreCase("X-Forwarded-For") && !client.value(i).isEmpty()) {
                joined = joined == null ? new StringBuilder(64) : joined;
                joined.append(client.value(i)).append(", ");
            }
        }
        return joined == null ? clientIp : joined.append(clientIp).toString();
    }

    /**
     * The 101 sent to the client from the upstream's 101: our own Upgrade and Connection, then every upstream
     * field except hop-by-hop ones, so Sec-WebSocket-Accept, -Protocol, -Extensions, Set-Cookie and custom
     * fields pass. Content-Length is dropped (RFC 9110 §8.6: never in a 1xx).
     */
    public static byte[] switchingProtocols(HttpResponse upstream101) {
        FieldList fields = new FieldList(upstream101.headers().size() + 2);
        fields.add("Upgrade", "websocket");
        fields.add("Connection", "Upgrade");
        copyFields(upstream101.headers(), CONTENT_LENGTH, fields);
        return fields.encode("HTTP/1.1 101 Switching Protocols", null);
    }

    /**
     * A non-101 upstream answer relayed to the client: the same status and reason in HTTP/1.1, fields minus
     * hop-by-hop ones and Content-Length, then our Content-Length (omitted for 204 and 304, RFC 9110 §8.6),
     * {@code Connection: close}, and the decoded body.
     */
    public static byte[] relayedResponse(HttpResponse response) {
        FieldList fields = new FieldList(response.headers().size() + 2);
        copyFields(response.headers(), CONTENT_LENGTH, fields);
        if (response.status() != 204 && response.status() != 304) {
            fields.add("Content-Length", Integer.toString(response.bodyLength()));
        }
        fields.add("Connection", "close");
        // RFC 9112 §4: the space before the reason phrase is there even when the phrase is empty.
        return fields.encode("HTTP/1.1 " + response.status() + " " + response.reasonPhrase(), response.body());
    }

    /**
     * The proxy's own error answer: status line, plain-text type, length, {@code Connection: close}, the error's
     * extra fields, and a one-line body {@code "<status> <reason>\n"}; never the detail.
     */
    public static byte[] errorResponse(HttpError error) {
        String statusText = error.status() + " " + error.reasonPhrase();
        byte[] body = (statusText + "\n").getBytes(StandardCharsets.US_ASCII);
        FieldList fields = new FieldList(3 + error.extraHeaders().size());
        fields.add("Content-Type", "text/plain; charset=utf-8");
        fields.add("Content-Length", Integer.toString(body.length));
        fields.add("Connection", "close");
        for (Map.Entry<String, String> extra : error.extraHeaders()) {
            fields.add(extra.getKey(), extra.getValue());
        }
        return fields.encode("HTTP/1.1 " + statusText, body);
    }

    /**
     * Copies the fields to forward: all but the hop-by-hop ones, those named in Connection (RFC 9110 §7.6.1)
     * and those whose lower-case name is in {@code dropped} (null entries ignored).
     */
    private static void copyFields(HttpHeaders headers, String[] dropped, FieldList fields) {
        for (int i = 0; i < headers.size(); i++) {
            String name = headers.name(i);
            if (!isHopByHop(name) && !isIn(name, dropped) && !namedInConnection(headers, name)) {
                fields.add(name, headers.value(i));
            }
        }
    }

    /**
     * Whether the Connection fields of {@code headers} name the field {@code name} (compared in lower case), and
     * it is neither Host nor a Sec-WebSocket-* field, which a peer cannot withdraw from the handshake.
     */
    private static boolean namedInConnection(HttpHeaders headers, String name) {
        if (name.equalsIgnoreCase("host") || name.regionMatches(true, 0, "sec-websocket-", 0, 14)) {
            return false;
        }
        for (int i = 0; i < headers.size(); i++) {
            if (headers.name(i).equalsIgnoreCase("Connection")
                    && HttpSyntax.hasListElement(headers.value(i), name, true)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isHopByHop(String name) {
        return isIn(name, HOP_BY_HOP);
    }

    /** Whether {@code name} in lower case is one of {@code lowerCaseNames} (null entries ignored). */
    private static boolean isIn(String name, String[] lowerCaseNames) {
        for (String lower : lowerCaseNames) {
            if (lower != null && HttpSyntax.equalsInLowerCase(name, 0, name.length(), lower)) {
                return true;
            }
        }
        return false;
    }
}
