package io.wsproxy.tls;

import static io.wsproxy.tls.KeyMaterialPemTest.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KeyMaterialKeyStoreTest {
    private static final char[] STORE_PASSWORD = TestPki.STORE_PASSWORD.toCharArray();
    private static final char[] KEY_PASSWORD = TestPki.KEY_PASSWORD.toCharArray();

    static TestPki pki;

    @BeforeAll
    static void generate() throws IOException {
        pki = TestPki.shared();
    }

    @Test
    void withoutAnAliasThePkcs12StoreGivesItsFirstKeyEntry() {
        KeyMaterial material = KeyMaterial.fromKeyStore(pki.file("server.p12"), STORE_PASSWORD, null, null);

        assertEquals("first", material.alias());
        assertEquals("EC", material.privateKey().getAlgorithm());
        assertEquals(List.of("first.example.test", "*.first.example.test"), material.dnsNames());
        assertEquals(1, material.certificateChain().size());
        assertEquals(material.certificateChain().get(0), material.keyManager().getCertificateChain("first")[0]);
    }

    @Test
    void anAliasSelectsItsEntry() {
        KeyMaterial material = KeyMaterial.fromKeyStore(pki.file("server.p12"), STORE_PASSWORD, "second", null);

        assertEquals("second", material.alias());
        assertEquals("RSA", material.privateKey().getAlgorithm());
        assertEquals(List.of("second.example.test"), material.dnsNames());
        assertEquals("second", material.keyManager().chooseServerAlias("RSA", null, null));
    }

    @Test
    void aWrongStorePasswordFailsNamingTheFile() {
        String message = failure(() -> KeyMaterial.fromKeyStore(pki.file("server.p12"), "wrong".toCharArray(), null,
                null));

        assertEquals("Cannot load key material from " + pki.file("server.p12")
                + ": wrong key store password (or the PKCS12 file is damaged)", message);
    }

    @Test
    void anUnknownAliasListsTheKeyEntries() {
        String message = failure(() -> KeyMaterial.fromKeyStore(pki.file("server.p12"), STORE_PASSWORD, "third",
                null));

        assertEquals("Cannot load key material from " + pki.file("server.p12")
                + ": it has no entry 'third'; its key entries are [first, second]", message);
    }

    @Test
    void aJksEntryLoadsWithItsOwnKeyPassword() {
        KeyMaterial material = KeyMaterial.fromKeyStore(pki.file("server.jks"), STORE_PASSWORD, "server",
                KEY_PASSWORD);

        assertEquals(List.of("jks.example.test"), material.dnsNames());
        assertEquals("EC", material.privateKey().getAlgorithm());
    }

    @Test
    void aJksEntryWithAWrongKeyPasswordSaysSo() {
        String message = failure(() -> KeyMaterial.fromKeyStore(pki.file("server.jks"), STORE_PASSWORD, null, null));

        assertEquals("Cannot load key material from " + pki.file("server.jks")
                + ": wrong key password for the entry 'server'", message);
    }

    @Test
    void aJksStoreWithAWrongPasswordSaysSo() {
        String message = failure(() -> KeyMaterial.fromKeyStore(pki.file("server.jks"), "wrong".toCharArray(),
                "server", KEY_PASSWORD));

        assertEquals("Cannot load key material from " + pki.file("server.jks")
                + ": wrong key store password (or the JKS file is damaged)", message);
    }

    @Test
    void anExpiredCertificateLoads() {
        KeyMaterial material = KeyMaterial.fromKeyStore(pki.file("expired.p12"), STORE_PASSWORD, null, null);

        assertTrue(material.notAfter().isBefore(Instant.now()), material.notAfter().toString());
        assertEquals(List.of("old.example.test"), material.dnsNames());
    }

    @Test
    void aTrustedCertificateEntryIsNotAKey() {
        String message = failure(() -> KeyMaterial.fromKeyStore(pki.file("trust.p12"), STORE_PASSWORD, "ca", null));

        assertEquals("Cannot load key material from " + pki.file("trust.p12")
                + ": the entry 'ca' is a trusted certificate, not a private key; its key entries are []", message);
    }

    @Test
    void aPemFileIsNotAKeyStore() {
        String message = failure(() -> KeyMaterial.fromKeyStore(pki.file("rsa.key"), STORE_PASSWORD, null, null));

        assertEquals("Cannot load key material from " + pki.file("rsa.key")
                + ": it is not a PKCS#12 or JKS key store (it looks like PEM; use fromPem)", message);
    }

    @Test
    void aMissingKeyStoreIsNamed() {
        Path missing = pki.file("missing.p12");

        assertEquals("Cannot load key material from " + missing + ": no such file",
                failure(() -> KeyMaterial.fromKeyStore(missing, STORE_PASSWORD, null, null)));
    }
}
