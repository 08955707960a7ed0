package io.wsproxy.tls.internal;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;

/**
 * Tells whether a private key belongs to a certificate's public key, by signing a fixed challenge with the one
 * and verifying the signature with the other; this works alike for RSA and EC keys. Stateless; thread-safe.
 */
public final class KeyPairCheck {
    private static final byte[] CHALLENGE = "wsproxy key pair check".getBytes(StandardCharsets.US_ASCII);

    private KeyPairCheck() {
    }

    public static boolean matches(PrivateKey privateKey, PublicKey publicKey) {
        if (!privateKey.getAlgorithm().equals(publicKey.getAlgorithm())) {
            return false;
        }
        String algorithm = privateKey.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256with"
                + privateKey.getAlgorithm();
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(CHALLENGE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(CHALLENGE);
            return verifier.verify(signature);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no " + algorithm + " signature", e);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an EC key and a public key on another curve
        }
    }
}
