package io.wsproxy.tls.internal;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/** What the loaders read from a certificate: its DNS names, subject and validity. Stateless; thread-safe. */
public final class Certificates {
    /** GeneralName choice dNSName (RFC 5280 §4.2.1.6). */
    private static final int DNS_NAME = 2;

    private Certificates() {
    }

    /**
     * The subjectAltName DNS entries as written (wildcards such as {@code *.example.com} kept), or, when there is
     * none, the subject's common names; empty when the certificate has neither.
     */
    public static List<String> dnsNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> alternative : alternatives) {
                    if (((Integer) alternative.get(0)) == DNS_NAME && !names.contains(alternative.get(1))) {
                        names.add((String) alternative.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // A damaged extension: fall back to the common name, as for a certificate without one.
        }
        if (names.isEmpty()) {
            names.addAll(commonNames(certificate));
        }
        return List.copyOf(names);
    }

    /** The subject in RFC 2253 form, e.g. {@code CN=www.example.com,O=Example}. */
    public static String subject(X509Certificate certificate) {
        return certificate.getSubjectX500Principal().getName(X500Principal.RFC2253);
    }

    /** Why {@code certificate} is not valid at {@code now}, e.g. "expired on 2026-01-01T00:00:00Z"; empty if it is. */
    public static Optional<String> validityProblem(X509Certificate certificate, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            return Optional.of("expired on " + notAfter);
        }
        if (now.isBefore(notBefore)) {
            return Optional.of("is not valid before " + notBefore);
        }
        return Optional.empty();
    }

    private static List<String> commonNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(subject(certificate)).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String) {
                    names.add((String) rdn.getValue());
                }
            }
        } catch (InvalidNameException e) {
            // The JDK wrote this name in RFC 2253 form itself; it parses.
        }
        return names;
    }
}
