package io.wsproxy.examples;

import io.wsproxy.tls.ServerTls;
import io.wsproxy.tls.TrustMaterial;
import io.wsproxy.tls.UpstreamTls;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Turns the runner's {@link TlsOptions} into proxy-tls settings, reading the files they name: a {@link ServerTls}
 * for the listeners and an {@link UpstreamTls} for wss:// upstreams.
 *
 * <p>A file that does not load (missing, damaged, a wrong password, a key that does not belong to its certificate)
 * is the operator's mistake in a flag's value, as a host name that does not resolve is: a {@link UsageException}
 * naming the flag and the file, so the runner exits with status 2. Each file is loaded once, by proxy-tls, whose
 * messages name the file. Stateless.
 */
final class RunnerTls {
    private RunnerTls() {
    }

    /**
     * The listeners' TLS, with every certificate, key and CA loaded (and, with {@code --tls-watch}, watched); empty
     * without {@code --tls-cert}. The caller closes it.
     *
     * @throws UsageException naming the flag and the file, when a file does not load
     */
    static Optional<ServerTls> serverTls(TlsOptions options) throws UsageException {
        if (!options.secureListeners()) {
            return Optional.empty();
        }
        char[] password = keyPassword(options);
        try {
            ServerTls.Builder builder = ServerTls.builder();
            List<FlagFile> files = new ArrayList<>();
            for (TlsOptions.Certificate certificate : options.certificates()) {
                builder.certificate(certificate.chain(), certificate.key(), password);
                files.add(new FlagFile("--tls-cert", certificate.chain()));
                files.add(new FlagFile("--tls-key", certificate.key()));
            }
            if (options.clientCa().isPresent()) {
                builder.clientAuth(options.clientAuth(), options.clientCa().get());
                files.add(new FlagFile("--tls-client-ca", options.clientCa().get()));
            }
            options.watch().ifPresent(builder::watch);
            try {
                return Optional.of(builder.build());
            } catch (IllegalArgumentException e) {
                throw usage(blamedFlag(String.valueOf(e.getMessage()), files), e);
            }
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    /**
     * The TLS toward wss:// upstreams: without verification for {@code --upstream-insecure} (which logs a warning),
     * against {@code --upstream-ca}, or against the JDK's trusted CAs; empty when no upstream is wss://.
     *
     * @throws UsageException naming {@code --upstream-ca} and the file, when it does not load
     */
    static Optional<UpstreamTls> upstreamTls(TlsOptions options, List<UpstreamOption> upstreams)
            throws UsageException {
        if (upstreams.stream().noneMatch(upstream -> upstream.uri().getScheme().equals("wss"))) {
            return Optional.empty();
        }
        if (options.upstreamInsecure()) {
            return Optional.of(UpstreamTls.builder().insecure().build());
        }
        if (options.upstreamCa().isPresent()) {
            return Optional.of(UpstreamTls.builder().trust(trust("--upstream-ca", options.upstreamCa().get()))
                    .build());
        }
        return Optional.of(UpstreamTls.defaults());
    }

    /** The password of {@code --tls-key-password} or the first line of {@code --tls-key-password-file}; or null. */
    private static char[] keyPassword(TlsOptions options) throws UsageException {
        if (options.keyPassword().isPresent()) {
            return options.keyPassword().get().toCharArray();
        }
        if (options.keyPasswordFile().isEmpty()) {
            return null;
        }
        Path file = options.keyPasswordFile().get();
        String line;
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            line = reader.readLine();
        } catch (NoSuchFileException e) {
            throw new UsageException("--tls-key-password-file: cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UsageException("--tls-key-password-file: cannot read " + file + ": " + e);
        }
        if (line == null || line.isEmpty()) {
            throw new UsageException("--tls-key-password-file: the first line of " + file + " is empty");
        }
        return line.toCharArray();
    }

    private static TrustMaterial trust(String flag, Path caBundle) throws UsageException {
        try {
            return TrustMaterial.fromPem(caBundle);
        } catch (IllegalArgumentException e) {
            throw usage(flag, e);
        }
    }

    /**
     * The flag of the file that a proxy-tls error message names first, as its messages name the file at fault
     * first: "Cannot load the private key from KEY: ...", "The private key in KEY does not match the certificate in
     * CHAIN", "Cannot load trusted certificates from CA: ...". Of two names found at the same place the longer wins
     * ({@code site.pem.key} over {@code site.pem}); {@code --tls-cert} when none is found.
     */
    static String blamedFlag(String message, List<FlagFile> files) {
        String flag = "--tls-cert";
        int bestAt = Integer.MAX_VALUE;
        int bestLength = 0;
        for (FlagFile file : files) {
            String name = file.path().toString();
            int at = message.indexOf(name);
            if (at >= 0 && (at < bestAt || at == bestAt && name.length() > bestLength)) {
                flag = file.flag();
                bestAt = at;
                bestLength = name.length();
            }
        }
        return flag;
    }

    /** A file given with a flag. */
    record FlagFile(String flag, Path path) {
    }

    /** "FLAG: message", on one line, starting in lower case as the runner's other messages do. */
    private static UsageException usage(String flag, IllegalArgumentException e) {
        String message = String.valueOf(e.getMessage()).replaceAll("\\s*\\R\\s*", " ");
        if (!message.isEmpty()) {
            message = Character.toLowerCase(message.charAt(0)) + message.substring(1);
        }
        return new UsageException(flag + ": " + message);
    }
}
