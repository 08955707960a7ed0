package io.wsproxy.tls.internal;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the private key among the PEM blocks of a key file and decodes it into a {@link PrivateKey}. Understands
 * the four forms OpenSSL writes: PKCS#8 ({@code PRIVATE KEY}, RFC 5208), PKCS#1 ({@code RSA PRIVATE KEY}, RFC
 * 8017 appendix A.1.2), SEC1 ({@code EC PRIVATE KEY}, RFC 5915, with the curve in its parameters or in an {@code
 * EC PARAMETERS} block before it) and encrypted PKCS#8 ({@code ENCRYPTED PRIVATE KEY}, decrypted by {@link
 * EncryptedKeyDecryptor}). PKCS#1 and SEC1 are wrapped into PKCS#8 for the JDK's key factories. RSA and EC keys
 * only. Stateless; thread-safe.
 */
public final class PrivateKeyDecoder {
    static final String RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
    static final String EC_PUBLIC_KEY = "1.2.840.10045.2.1";
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "1.2.840.10040.4.1", "DSA",
            "1.2.840.113549.1.1.10", "RSASSA-PSS",
            "1.3.101.110", "X25519",
            "1.3.101.111", "X448",
            "1.3.101.112", "Ed25519",
            "1.3.101.113", "Ed448");
    private static final Set<String> KEY_TYPES =
            Set.of("PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY");

    private PrivateKeyDecoder() {
    }

    /**
     * The one private key among {@code blocks}; other blocks (certificates, EC parameters) are ignored.
     *
     * @param password the password of an encrypted key, or null; not kept, not cleared
     * @throws MaterialFormatException if there is no key or more than one, the key is encrypted and the password is
     *                                 missing or wrong, or the key is malformed or not RSA or EC
     */
    public static PrivateKey decode(List<PemBlock> blocks, char[] password) throws MaterialFormatException {
        PemBlock key = null;
        PemBlock ecParameters = null;
        List<String> found = new ArrayList<>();
        for (PemBlock block : blocks) {
            found.add(block.type());
            if (block.type().equals("EC PARAMETERS")) {
                ecParameters = block;
            } else if (KEY_TYPES.contains(block.type())) {
                if (key != null) {
                    throw new MaterialFormatException("it holds more than one private key (" + key + ", " + block
                            + "); keep only one");
                }
                key = block;
            }
        }
        if (key == null) {
            throw new MaterialFormatException("it holds no private key: found " + String.join(", ", found)
                    + " where PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY belongs");
        }
        if (key.headers().containsKey("Proc-Type") || key.headers().containsKey("DEK-Info")) {
            throw new MaterialFormatException("the " + key.type() + " is encrypted in OpenSSL's legacy format"
                    + " (Proc-Type: 4,ENCRYPTED), which is not supported; convert it to encrypted PKCS#8 with"
                    + " openssl pkcs8 -topk8 -v2 aes-256-cbc -in <key> -out <new key>");
        }
        byte[] der = key.der();
        switch (key.type()) {
            case "PRIVATE KEY":
                return fromPkcs8(der);
            case "RSA PRIVATE KEY":
                return fromPkcs8(rsaToPkcs8(der));
            case "EC PRIVATE KEY":
                return fromPkcs8(ecToPkcs8(der, ecParameters));
            default:
                if (password == null) {
                    throw new MaterialFormatException("the private key is encrypted (ENCRYPTED PRIVATE KEY) and no"
                            + " password was given");
                }
                return fromPkcs8(EncryptedKeyDecryptor.decrypt(der, password));
        }
    }

    /** Whether {@code key} is of an algorithm this module serves: RSA or EC. */
    public static boolean isSupported(PrivateKey key) {
        return key.getAlgorithm().equals("RSA") || key.getAlgorithm().equals("EC");
    }

    /** A PKCS#8 PrivateKeyInfo: SEQUENCE { version, AlgorithmIdentifier { OID, parameters }, OCTET STRING }. */
    static PrivateKey fromPkcs8(byte[] der) throws MaterialFormatException {
        DerReader info = new DerReader(der).next(DerValue.SEQUENCE, "a PKCS#8 PrivateKeyInfo").reader();
        info.next(DerValue.INTEGER, "the PKCS#8 version");
        String oid = info.next(DerValue.SEQUENCE, "the key's AlgorithmIdentifier").reader()
                .next(DerValue.OBJECT_IDENTIFIER, "the key algorithm").objectIdentifier();
        String algorithm;
        if (oid.equals(RSA_ENCRYPTION)) {
            algorithm = "RSA";
        } else if (oid.equals(EC_PUBLIC_KEY)) {
            algorithm = "EC";
        } else {
            throw new MaterialFormatException("unsupported key algorithm " + UNSUPPORTED.getOrDefault(oid, "with OID")
                    + " (" + oid + "); RSA and EC keys are supported");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (InvalidKeySpecException e) {
            throw new MaterialFormatException("the " + algorithm + " private key cannot be decoded ("
                    + reason(e) + ")", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("The JDK has no " + algorithm + " key factory", e);
        }
    }

    /** PKCS#1 RSAPrivateKey into PrivateKeyInfo with AlgorithmIdentifier { rsaEncryption, NULL } (RFC 8017 A.1). */
    static byte[] rsaToPkcs8(byte[] pkcs1) throws MaterialFormatException {
        DerReader key = new DerReader(pkcs1).next(DerValue.SEQUENCE, "a PKCS#1 RSAPrivateKey").reader();
        key.next(DerValue.INTEGER, "the RSAPrivateKey version");
        return DerWriter.sequence(DerWriter.integer(0),
                DerWriter.sequence(DerWriter.objectIdentifier(RSA_ENCRYPTION), DerWriter.nullValue()),
                DerWriter.octetString(pkcs1));
    }

    /**
     * SEC1 ECPrivateKey (RFC 5915 §3: SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters OPTIONAL, [1]
     * publicKey OPTIONAL }) into PrivateKeyInfo with AlgorithmIdentifier { id-ecPublicKey, namedCurve } (RFC 5480
     * §2.1.1). The curve comes from [0], or else from the EC PARAMETERS block.
     */
    static byte[] ecToPkcs8(byte[] sec1, PemBlock ecParameters) throws MaterialFormatException {
        DerReader key = new DerReader(sec1).next(DerValue.SEQUENCE, "a SEC1 ECPrivateKey").reader();
        if (key.next(DerValue.INTEGER, "the ECPrivateKey version").integer().intValue() != 1) {
            throw new MaterialFormatException("the EC private key has a version other than 1");
        }
        key.next(DerValue.OCTET_STRING, "the EC private key");
        String curve = null;
        while (key.hasMore()) {
            DerValue field = key.next();
            if (field.tag() == (DerValue.CONTEXT | 0)) {
                curve = namedCurve(field.reader().next());
            }
        }
        if (curve == null && ecParameters != null) {
            curve = namedCurve(new DerReader(ecParameters.der()).next());
        }
        if (curve == null) {
            throw new MaterialFormatException("the EC private key names no curve, and no EC PARAMETERS block"
                    + " precedes it");
        }
        return DerWriter.sequence(DerWriter.integer(0),
                DerWriter.sequence(DerWriter.objectIdentifier(EC_PUBLIC_KEY), DerWriter.objectIdentifier(curve)),
                DerWriter.octetString(sec1));
    }

    /** ECParameters (RFC 5480 §2.1.1): the namedCurve choice only. */
    private static String namedCurve(DerValue parameters) throws MaterialFormatException {
        if (parameters.tag() == DerValue.SEQUENCE) {
            throw new MaterialFormatException("the EC key has explicit curve parameters, which are not supported;"
                    + " use a named curve (openssl ecparam -name prime256v1 -param_enc named_curve)");
        }
        return parameters.objectIdentifier();
    }

    /** For messages: the JDK's exception text, which never holds key bytes. */
    static String reason(GeneralSecurityException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
