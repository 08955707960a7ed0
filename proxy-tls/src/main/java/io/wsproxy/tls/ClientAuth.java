package io.wsproxy.tls;

/** Whether a wss:// listener asks clients for a certificate (mutual TLS), as nginx's {@code ssl_verify_client}. */
public enum ClientAuth {
    /** Clients are not asked for a certificate. */
    NONE,
    /**
     * Clients are asked; one that sends none is let in without, one that sends a certificate the trust material
     * does not verify is refused in the handshake.
     */
    OPTIONAL,
    /** Clients must send a certificate the trust material verifies, or the handshake fails. */
    REQUIRED
}
