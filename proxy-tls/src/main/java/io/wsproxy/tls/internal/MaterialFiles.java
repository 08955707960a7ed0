package io.wsproxy.tls.internal;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.security.UnrecoverableKeyException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads certificate, key and key-store files, turning every way one can be wrong into a {@link
 * MaterialFormatException} with a plain message: missing, unreadable, empty, not PEM, not a key store, wrong
 * password. Stateless; thread-safe.
 */
public final class MaterialFiles {
    /** Key files are small; a larger file is a mistake (a log, an image), not key material. */
    private static final long MAX_BYTES = 10 * 1024 * 1024;

    private MaterialFiles() {
    }

    /** The bytes of {@code file}, which must exist, be readable, and not be empty. */
    public static byte[] read(Path file) throws MaterialFormatException {
        try {
            if (Files.isDirectory(file)) {
                throw new MaterialFormatException("it is a directory");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new MaterialFormatException("it is larger than " + MAX_BYTES / (1024 * 1024) + " MiB");
            }
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length == 0) {
                throw new MaterialFormatException("the file is empty");
            }
            return bytes;
        } catch (NoSuchFileException e) {
            throw new MaterialFormatException("no such file", e);
        } catch (AccessDeniedException e) {
            throw new MaterialFormatException("permission denied", e);
        } catch (IOException e) {
            throw new MaterialFormatException("it cannot be read (" + e + ")", e);
        }
    }

    /** The PEM blocks of {@code file}; at least one. */
    public static List<PemBlock> readPem(Path file) throws MaterialFormatException {
        byte[] bytes = read(file);
        // ISO-8859-1 maps every byte to a character, so stray text around the blocks never fails decoding.
        List<PemBlock> blocks = PemReader.read(new String(bytes, StandardCharsets.ISO_8859_1));
        if (blocks.isEmpty()) {
            throw new MaterialFormatException("it holds no PEM block (-----BEGIN ...-----)"
                    + (bytes[0] == 0x30 ? "; it looks like binary DER, which openssl converts to PEM" : ""));
        }
        return blocks;
    }

    /** The {@code CERTIFICATE} blocks among {@code blocks}, parsed, in order; other blocks are ignored. */
    public static List<X509Certificate> certificates(List<PemBlock> blocks) throws MaterialFormatException {
        List<X509Certificate> certificates = new ArrayList<>();
        List<String> found = new ArrayList<>();
        for (PemBlock block : blocks) {
            found.add(block.type());
            if (block.type().equals("CERTIFICATE")) {
                certificates.add(certificate(block));
            }
        }
        if (certificates.isEmpty()) {
            throw new MaterialFormatException("it holds no certificate: found " + String.join(", ", found)
                    + " where CERTIFICATE belongs");
        }
        return certificates;
    }

    private static X509Certificate certificate(PemBlock block) throws MaterialFormatException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(block.der()));
        } catch (CertificateException e) {
            throw new MaterialFormatException("the " + block + " is not a valid X.509 certificate ("
                    + PrivateKeyDecoder.reason(e) + ")", e);
        }
    }

    /**
     * Loads a PKCS#12 or JKS key store, telling the two apart by their first bytes (JKS and JCEKS begin with a
     * magic number, PKCS#12 with a DER SEQUENCE).
     *
     * @param password not kept
     */
    public static KeyStore loadKeyStore(Path file, char[] password) throws MaterialFormatException {
        byte[] bytes = read(file);
        String type = keyStoreType(bytes);
        if (type == null) {
            throw new MaterialFormatException("it is not a PKCS#12 or JKS key store"
                    + (bytes[0] == '-' ? " (it looks like PEM; use fromPem)" : ""));
        }
        try {
            KeyStore store = KeyStore.getInstance(type);
            store.load(new ByteArrayInputStream(bytes), password);
            return store;
        } catch (IOException e) {
            if (e.getCause() instanceof UnrecoverableKeyException) {
                throw new MaterialFormatException("wrong key store password (or the " + type
                        + " file is damaged)", e);
            }
            throw new MaterialFormatException("it is not a valid " + type + " key store (" + e.getMessage() + ")",
                    e);
        } catch (KeyStoreException e) {
            throw new IllegalStateException("The JDK has no " + type + " key store", e);
        } catch (java.security.GeneralSecurityException e) {
            throw new MaterialFormatException("the " + type + " key store cannot be loaded ("
                    + PrivateKeyDecoder.reason(e) + ")", e);
        }
    }

    private static String keyStoreType(byte[] bytes) {
        int magic = bytes.length >= 4
                ? (bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8 | (bytes[3] & 0xff)
                : 0;
        if (magic == 0xfeedfeed) {
            return "JKS";
        }
        if (magic == 0xcececece) {
            return "JCEKS";
        }
        return bytes[0] == DerValue.SEQUENCE ? "PKCS12" : null;
    }
}
