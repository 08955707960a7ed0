package io.wsproxy.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class KeyMaterialPemTest {
    static TestPki pki;

    @BeforeAll
    static void generate() throws IOException {
        pki = TestPki.shared();
    }

    @Test
    void rsaPkcs8KeyLoadsWithItsChainLeafFirst() {
        KeyMaterial material = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));

        assertEquals(2, material.certificateChain().size());
        assertEquals("CN=rsa.example.test", material.certificateChain().get(0).getSubjectX500Principal().getName());
        assertEquals("CN=Test Intermediate CA", material.certificateChain().get(1).getSubjectX500Principal().getName());
        assertEquals("RSA", material.privateKey().getAlgorithm());
        assertEquals(List.of("rsa.example.test", "*.rsa.example.test"), material.dnsNames());
        assertEquals("rsa.example.test", material.alias());
        assertTrue(material.notAfter().isAfter(Instant.now()));
        assertEquals(material.certificateChain().get(0).getNotAfter().toInstant(), material.notAfter());
    }

    @Test
    void rsaPkcs1KeyIsTheSameKeyAsItsPkcs8Form() {
        KeyMaterial pkcs1 = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa-pkcs1.key"));
        KeyMaterial pkcs8 = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));

        assertTrue(TestPki.sameKey(pkcs8.privateKey(), pkcs1.privateKey()));
    }

    @Test
    void ecKeyLoadsAsPkcs8AndAsSec1WithAndWithoutTheParametersBlock() {
        KeyMaterial pkcs8 = KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ec.key"));
        KeyMaterial sec1 = KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ec-sec1.key"));
        KeyMaterial sec1WithParameters = KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ec-params.key"));

        assertEquals("EC", pkcs8.privateKey().getAlgorithm());
        assertTrue(TestPki.sameKey(pkcs8.privateKey(), sec1.privateKey()));
        assertTrue(TestPki.sameKey(pkcs8.privateKey(), sec1WithParameters.privateKey()));
        assertEquals(List.of("ec.example.test"), pkcs8.dnsNames());
        assertEquals(1, pkcs8.certificateChain().size());
    }

    @Test
    void encryptedPkcs8KeyLoadsWithItsPassword() {
        KeyMaterial encrypted = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa-encrypted.key"),
                TestPki.PASSWORD.toCharArray());
        KeyMaterial plain = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));

        assertTrue(TestPki.sameKey(plain.privateKey(), encrypted.privateKey()));
    }

    @Test
    void encryptedPkcs8KeyWithAWrongPasswordFailsNamingTheFile() {
        char[] wrong = "not the password".toCharArray();
        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa-encrypted.key"),
                wrong));

        assertTrue(message.startsWith("Cannot load the private key from " + pki.file("rsa-encrypted.key") + ": "),
                message);
        assertTrue(message.contains("wrong password for the encrypted private key"), message);
        assertFalse(message.contains("not the password"), message);
        assertArrayEquals("not the password".toCharArray(), wrong, "the caller's password array is left alone");
    }

    @Test
    void encryptedPkcs8KeyWithoutAPasswordSaysItIsEncrypted() {
        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa-encrypted.key")));

        assertTrue(message.contains("rsa-encrypted.key"), message);
        assertTrue(message.contains("the private key is encrypted (ENCRYPTED PRIVATE KEY) and no password was given"),
                message);
    }

    @Test
    void legacyEncryptedPemIsRefusedWithTheConversionCommand() {
        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa-legacy.key"),
                TestPki.PASSWORD.toCharArray()));

        assertTrue(message.contains("rsa-legacy.key"), message);
        assertTrue(message.contains("Proc-Type: 4,ENCRYPTED"), message);
        assertTrue(message.contains("openssl pkcs8 -topk8"), message);
    }

    @Test
    void aKeyOfAnotherCertificateFailsNamingBothFiles() {
        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("stranger.key")));

        assertEquals("The private key in " + pki.file("stranger.key") + " does not match the certificate in "
                + pki.file("rsa-chain.pem") + " (CN=rsa.example.test)", message);
    }

    @Test
    void aChainWithTheLeafNotFirstSaysWhichCertificateTheKeyMatches() throws IOException {
        Path reversed = pki.write("reversed-chain.pem", pki.text("intermediate.pem") + pki.text("rsa.pem"));

        String message = failure(() -> KeyMaterial.fromPem(reversed, pki.file("rsa.key")));

        assertTrue(message.contains("does not match the certificate in " + reversed), message);
        assertTrue(message.contains("but certificate 2 of the chain; put the server's own certificate first"),
                message);
    }

    @Test
    void anUnsupportedKeyAlgorithmIsNamed() {
        String message = failure(() -> KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ed25519.key")));

        assertTrue(message.contains("ed25519.key"), message);
        assertTrue(message.contains("unsupported key algorithm Ed25519 (1.3.101.112); RSA and EC keys are supported"),
                message);
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = pki.file("no-such-chain.pem");

        assertEquals("Cannot load the certificate chain from " + missing + ": no such file",
                failure(() -> KeyMaterial.fromPem(missing, pki.file("rsa.key"))));
        assertEquals("Cannot load the private key from " + pki.file("no-such.key") + ": no such file",
                failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("no-such.key"))));
    }

    @Test
    void anEmptyFileIsNamed() throws IOException {
        Path empty = pki.write("empty.key", "");

        assertEquals("Cannot load the private key from " + empty + ": the file is empty",
                failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), empty)));
    }

    @Test
    void aFileWithoutPemBlocksSaysSo() throws IOException {
        Path text = pki.write("notes.pem", "just some notes\n");

        assertEquals("Cannot load the certificate chain from " + text + ": it holds no PEM block (-----BEGIN ...-----)",
                failure(() -> KeyMaterial.fromPem(text, pki.file("rsa.key"))));
    }

    @Test
    void aCertificateGivenAsTheKeySaysThereIsNoKey() {
        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.pem")));

        assertTrue(message.startsWith("Cannot load the private key from " + pki.file("rsa.pem")
                + ": it holds no private key: found CERTIFICATE where PRIVATE KEY"), message);
    }

    @Test
    void aKeyGivenAsTheCertificateSaysThereIsNoCertificate() {
        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa.key"), pki.file("rsa.key")));

        assertEquals("Cannot load the certificate chain from " + pki.file("rsa.key")
                + ": it holds no certificate: found PRIVATE KEY where CERTIFICATE belongs", message);
    }

    @Test
    void aTruncatedKeyFileSaysTheEndLineIsMissing() throws IOException {
        String key = pki.text("rsa.key");
        Path truncated = pki.write("truncated.key", key.substring(0, key.length() / 2));

        String message = failure(() -> KeyMaterial.fromPem(pki.file("rsa-chain.pem"), truncated));

        assertEquals("Cannot load the private key from " + truncated
                + ": the PRIVATE KEY block at line 1 has no END line (truncated?)", message);
    }

    @Test
    void malformedBase64NamesTheLine() throws IOException {
        String[] lines = pki.text("rsa-chain.pem").split("\n");
        lines[3] = lines[3].substring(0, 10) + "*" + lines[3].substring(11);
        Path damaged = pki.write("damaged-chain.pem", String.join("\n", lines) + "\n");

        String message = failure(() -> KeyMaterial.fromPem(damaged, pki.file("rsa.key")));

        assertEquals("Cannot load the certificate chain from " + damaged
                + ": the CERTIFICATE block at line 1 is not valid base64: line 4 has the character '*'", message);
    }

    @Test
    void oneFileMayHoldTheChainAndTheKeyWithCrlfLineEnds() throws IOException {
        String combined = "Subject: rsa.example.test\r\n" + pki.text("rsa-pkcs1.key") + pki.text("rsa-chain.pem");
        Path file = pki.write("combined.pem", combined.replace("\r\n", "\n").replace("\n", "\r\n"));

        KeyMaterial material = KeyMaterial.fromPem(file, file);

        assertEquals(2, material.certificateChain().size());
        assertEquals(List.of("rsa.example.test", "*.rsa.example.test"), material.dnsNames());
    }

    @Test
    void withoutSubjectAltNamesTheCommonNameIsTheDnsName() {
        KeyMaterial material = KeyMaterial.fromPem(pki.file("stranger.pem"), pki.file("stranger.key"));

        assertEquals(List.of("stranger.example.test"), material.dnsNames());
        assertEquals("stranger.example.test", material.alias());
    }

    @Test
    void theKeyManagerServesTheChainAndKeyUnderTheAliasForItsKeyType() {
        KeyMaterial material = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));
        X509ExtendedKeyManager manager = material.keyManager();

        assertSame(manager, material.keyManager());
        assertEquals("rsa.example.test", manager.chooseServerAlias("RSA", null, null));
        assertEquals("rsa.example.test", manager.chooseEngineServerAlias("RSA", null, null));
        assertEquals("rsa.example.test", manager.chooseEngineClientAlias(new String[] {"EC", "RSA"}, null, null));
        assertNull(manager.chooseEngineServerAlias("EC", null, null));
        assertArrayEquals(material.certificateChain().toArray(), manager.getCertificateChain("rsa.example.test"));
        assertSame(material.privateKey(), manager.getPrivateKey("rsa.example.test"));
        assertNull(manager.getCertificateChain("other"));
        assertNull(manager.getPrivateKey("other"));
    }

    @Test
    void theKeyManagerOffersTheChainOnlyToPeersThatAcceptItsIssuer() {
        KeyMaterial material = KeyMaterial.fromPem(pki.file("rsa-chain.pem"), pki.file("rsa.key"));
        X509ExtendedKeyManager manager = material.keyManager();
        var root = material.certificateChain().get(1).getIssuerX500Principal();
        var stranger = new javax.security.auth.x500.X500Principal("CN=Someone Else");

        assertArrayEquals(new String[] {"rsa.example.test"},
                manager.getClientAliases("RSA", new java.security.Principal[] {root}));
        assertNull(manager.getClientAliases("RSA", new java.security.Principal[] {stranger}));
    }

    @Test
    void toStringShowsNoKeyMaterial() {
        KeyMaterial material = KeyMaterial.fromPem(pki.file("ec.pem"), pki.file("ec.key"));

        assertEquals("KeyMaterial[CN=ec.example.test, EC, dnsNames=[ec.example.test], notAfter="
                + material.notAfter() + "]", material.toString());
    }

    static String failure(Supplier<?> load) {
        return assertThrows(IllegalArgumentException.class, load::get).getMessage();
    }
}
