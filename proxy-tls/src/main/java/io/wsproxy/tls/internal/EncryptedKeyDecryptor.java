package io.wsproxy.tls.internal;

import java.io.IOException;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.InvalidKeySpecException;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKey;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Decrypts an encrypted PKCS#8 key (RFC 5208 §6, {@code ENCRYPTED PRIVATE KEY}) with a password, through the JDK's
 * password-based ciphers: PBES2 (RFC 8018 §6.2; OpenSSL 3's default is PBKDF2 with HMAC-SHA256 and AES-256-CBC)
 * and the PBES1/PKCS#12 schemes the JDK knows. Stateless; thread-safe.
 */
final class EncryptedKeyDecryptor {
    private static final String PBES2 = "1.2.840.113549.1.5.13";

    private EncryptedKeyDecryptor() {
    }

    /**
     * The PKCS#8 PrivateKeyInfo inside {@code der}.
     *
     * @param password not kept; the copy the key derivation takes is cleared
     * @throws MaterialFormatException if the structure is malformed, the scheme is unknown to the JDK, or the
     *                                 password is wrong
     */
    static byte[] decrypt(byte[] der, char[] password) throws MaterialFormatException {
        EncryptedPrivateKeyInfo info;
        try {
            info = new EncryptedPrivateKeyInfo(der);
        } catch (IOException e) {
            throw new MaterialFormatException("the ENCRYPTED PRIVATE KEY is malformed (" + e.getMessage() + ")", e);
        }
        AlgorithmParameters parameters = info.getAlgParameters();
        // For PBES2 the JDK names the scheme only in its parameters, e.g. "PBEWithHmacSHA256AndAES_256".
        boolean pbes2 = info.getAlgName().equals(PBES2) || info.getAlgName().equalsIgnoreCase("PBES2");
        String scheme = pbes2 && parameters != null ? parameters.toString() : info.getAlgName();
        SecretKeyFactory factory;
        Cipher cipher;
        try {
            factory = SecretKeyFactory.getInstance(scheme);
            cipher = Cipher.getInstance(scheme);
        } catch (GeneralSecurityException e) {
            throw new MaterialFormatException("the private key is encrypted with " + scheme + ", which this JDK"
                    + " cannot decrypt; re-encrypt it with openssl pkcs8 -topk8 -v2 aes-256-cbc", e);
        }
        PBEKeySpec spec = new PBEKeySpec(password);
        try {
            SecretKey key;
            try {
                key = factory.generateSecret(spec);
            } catch (InvalidKeySpecException e) {
                throw new MaterialFormatException("the password cannot be used with " + scheme + " ("
                        + PrivateKeyDecoder.reason(e) + ")", e);
            }
            cipher.init(Cipher.DECRYPT_MODE, key, parameters);
            return info.getKeySpec(cipher).getEncoded();
        } catch (InvalidKeySpecException e) {
            // A wrong password gives bad padding or, rarely, padding that fits around garbage; both end here.
            throw new MaterialFormatException("wrong password for the encrypted private key", e);
        } catch (GeneralSecurityException e) {
            throw new MaterialFormatException("the encrypted private key cannot be decrypted ("
                    + PrivateKeyDecoder.reason(e) + ")", e);
        } finally {
            spec.clearPassword();
        }
    }
}
