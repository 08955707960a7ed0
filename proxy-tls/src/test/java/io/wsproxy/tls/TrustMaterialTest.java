package io.wsproxy.tls;

import static io.wsproxy.tls.KeyMaterialPemTest.failure;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrustMaterialTest {
    static TestPki pki;

    @BeforeAll
    static void generate() throws IOException {
        pki = TestPki.shared();
    }

    @Test
    void aBundleOfTwoCasYieldsBothInFileOrder() {
        TrustMaterial trust = TrustMaterial.fromPem(pki.file("cas.pem"));

        assertEquals(List.of("CN=Test Root CA", "CN=Test Root CA 2"),
                trust.certificates().stream().map(c -> c.getSubjectX500Principal().getName()).toList());
        assertEquals(2, trust.trustManager().getAcceptedIssuers().length);
        assertSame(trust.trustManager(), trust.trustManager());
        assertEquals("TrustMaterial[CN=Test Root CA, CN=Test Root CA 2]", trust.toString());
    }

    @Test
    void theTrustManagerAcceptsAChainIssuedByOneOfTheCas() {
        X509TrustManager manager = TrustMaterial.fromPem(pki.file("cas.pem")).trustManager();
        List<X509Certificate> chain = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"))
                .certificateChain();

        assertDoesNotThrow(() -> manager.checkServerTrusted(chain.toArray(new X509Certificate[0]), "RSA"));
    }

    @Test
    void theTrustManagerRejectsASelfSignedStranger() {
        X509TrustManager manager = TrustMaterial.fromPem(pki.file("cas.pem")).trustManager();
        List<X509Certificate> stranger = TrustMaterial.fromPem(pki.file("stranger.pem")).certificates();

        assertThrows(CertificateException.class,
                () -> manager.checkServerTrusted(stranger.toArray(new X509Certificate[0]), "EC"));
    }

    @Test
    void theTrustManagerRejectsAChainOfTheOtherCa() {
        X509TrustManager manager = TrustMaterial.fromPem(pki.file("ca2.pem")).trustManager();
        List<X509Certificate> chain = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"))
                .certificateChain();

        assertThrows(CertificateException.class,
                () -> manager.checkServerTrusted(chain.toArray(new X509Certificate[0]), "RSA"));
    }

    @Test
    void aBundleHoldingAKeyIsRefused() throws IOException {
        Path bundle = pki.write("with-key.pem", pki.text("ca.pem") + pki.text("rsa.key"));
        int keyLine = pki.text("ca.pem").split("\n").length + 1;

        String message = failure(() -> TrustMaterial.fromPem(bundle));

        assertEquals("Cannot load trusted certificates from " + bundle + ": it holds a PRIVATE KEY at line " + keyLine
                + "; a CA bundle holds only CERTIFICATE blocks", message);
    }

    @Test
    void aMissingOrEmptyBundleIsNamed() throws IOException {
        Path empty = pki.write("empty.pem", "");

        assertEquals("Cannot load trusted certificates from " + pki.file("none.pem") + ": no such file",
                failure(() -> TrustMaterial.fromPem(pki.file("none.pem"))));
        assertEquals("Cannot load trusted certificates from " + empty + ": the file is empty",
                failure(() -> TrustMaterial.fromPem(empty)));
    }

    @Test
    void aPkcs12TrustStoreYieldsItsTrustedEntries() throws IOException {
        TrustMaterial trust = TrustMaterial.fromKeyStore(pki.file("trust.p12"),
                TestPki.STORE_PASSWORD.toCharArray());

        assertEquals(List.of(TrustMaterial.fromPem(pki.file("ca.pem")).certificates().get(0)), trust.certificates());
        assertEquals("Cannot load trusted certificates from " + pki.file("trust.p12")
                        + ": wrong key store password (or the PKCS12 file is damaged)",
                failure(() -> TrustMaterial.fromKeyStore(pki.file("trust.p12"), "wrong".toCharArray())));
    }
}
