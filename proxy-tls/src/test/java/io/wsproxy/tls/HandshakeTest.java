package io.wsproxy.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key and trust managers drive a real TLS handshake between two in-memory {@link SSLEngine}s. */
class HandshakeTest {
    static TestPki pki;

    @BeforeAll
    static void generate() throws IOException {
        pki = TestPki.shared();
    }

    @Test
    void aClientTrustingTheRootAcceptsTheServersRsaChainForItsWildcardName() throws Exception {
        KeyMaterial server = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa-pkcs1.key"));
        TrustMaterial trust = TrustMaterial.fromPem(pki.file("cas.pem"));
        SSLEngine serverEngine = serverEngine(server);
        SSLEngine clientEngine = clientEngine(trust, "www.rsa.example.test");

        handshake(clientEngine, serverEngine);

        assertEquals(server.certificateChain(), java.util.List.of(clientEngine.getSession().getPeerCertificates()));
    }

    @Test
    void anEcKeyServesAHandshakeToo() throws Exception {
        KeyMaterial server = KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ec-sec1.key"));
        TrustMaterial trust = TrustMaterial.fromPem(pki.file("ec.pem"));
        SSLEngine clientEngine = clientEngine(trust, "ec.example.test");

        handshake(clientEngine, serverEngine(server));

        assertEquals(server.certificateChain().get(0), clientEngine.getSession().getPeerCertificates()[0]);
    }

    @Test
    void aClientTrustingAnotherRootRefusesTheServer() throws Exception {
        KeyMaterial server = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));
        SSLEngine clientEngine = clientEngine(TrustMaterial.fromPem(pki.file("ca2.pem")), "rsa.example.test");

        assertThrows(SSLException.class, () -> handshake(clientEngine, serverEngine(server)));
    }

    private static SSLEngine serverEngine(KeyMaterial material) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(new KeyManager[] {material.keyManager()}, null, null);
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        return engine;
    }

    private static SSLEngine clientEngine(TrustMaterial trust, String host) throws GeneralSecurityException {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {trust.trustManager()}, null);
        SSLEngine engine = context.createSSLEngine(host, 443);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** Moves records between the engines until neither is handshaking; fails if they stop making progress. */
    private static void handshake(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer toServer = ByteBuffer.allocate(1 << 17);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 17);
        ByteBuffer application = ByteBuffer.allocate(1 << 17);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 200; step++) {
            if (done(client) && done(server)) {
                return;
            }
            advance(client, toClient, toServer, application);
            advance(server, toServer, toClient, application);
        }
        fail("The handshake made no progress: client " + client.getHandshakeStatus() + ", server "
                + server.getHandshakeStatus());
    }

    private static void advance(SSLEngine engine, ByteBuffer in, ByteBuffer out, ByteBuffer application)
            throws SSLException {
        HandshakeStatus status = engine.getHandshakeStatus();
        if (status == HandshakeStatus.NEED_WRAP) {
            engine.wrap(ByteBuffer.allocate(0), out);
        } else if (status == HandshakeStatus.NEED_UNWRAP || status == HandshakeStatus.NEED_UNWRAP_AGAIN) {
            in.flip();
            engine.unwrap(in, application);
            in.compact();
            application.clear();
        }
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }

    private static boolean done(SSLEngine engine) {
        HandshakeStatus status = engine.getHandshakeStatus();
        return status == HandshakeStatus.NOT_HANDSHAKING || status == HandshakeStatus.FINISHED;
    }
}
