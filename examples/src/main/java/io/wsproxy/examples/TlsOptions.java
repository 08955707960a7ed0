package io.wsproxy.examples;

import io.wsproxy.tls.ClientAuth;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The runner's TLS flags, parsed and checked together: the certificates the listeners serve wss:// with (several
 * for SNI, encrypted keys, client certificates, reloading) and how wss:// upstreams are verified. Part of
 * {@link RunnerOptions} and, like it, a pure function of the arguments: files are only named here; the runner reads
 * them when it starts ({@link RunnerTls}). Immutable.
 */
public final class TlsOptions {
    /** The shortest {@code --tls-watch} interval, as {@code ServerTls.Builder.watch} accepts. */
    private static final Duration MIN_WATCH = Duration.ofMillis(10);

    /** One {@code --tls-cert} with the {@code --tls-key} given in the same position. */
    public record Certificate(Path chain, Path key) {
    }

    /** In the order given; the first is served to clients that name no host or an unknown one. */
    private final List<Certificate> certificates;
    private final String keyPassword;
    private final Path keyPasswordFile;
    private final Path clientCa;
    /** {@link ClientAuth#NONE} exactly when {@link #clientCa} is null. */
    private final ClientAuth clientAuth;
    private final Duration watch;
    private final Path upstreamCa;
    /** Never together with {@link #upstreamCa}. */
    private final boolean upstreamInsecure;

    private TlsOptions(Parser parser) {
        List<Certificate> pairs = new ArrayList<>();
        for (int i = 0; i < parser.chains.size(); i++) {
            pairs.add(new Certificate(parser.chains.get(i), parser.keys.get(i)));
        }
        this.certificates = List.copyOf(pairs);
        this.keyPassword = parser.keyPassword;
        this.keyPasswordFile = parser.keyPasswordFile;
        this.clientCa = parser.clientCa;
        this.clientAuth = parser.clientCa == null ? ClientAuth.NONE
                : parser.clientAuth == null ? ClientAuth.REQUIRED
                : parser.clientAuth;
        this.watch = parser.watch;
        this.upstreamCa = parser.upstreamCa;
        this.upstreamInsecure = parser.upstreamInsecure;
    }

    /** No TLS flag given: ws:// listeners, and wss:// upstreams verified against the JDK's trusted CAs. */
    static TlsOptions none() {
        return new TlsOptions(new Parser());
    }

    /** Whether the listeners serve wss://: at least one {@code --tls-cert}/{@code --tls-key} pair was given. */
    public boolean secureListeners() {
        return !certificates.isEmpty();
    }

    /** The {@code --tls-cert}/{@code --tls-key} pairs in the order given, the default first; empty for ws://. */
    public List<Certificate> certificates() {
        return certificates;
    }

    /** {@code --tls-key-password}, for every encrypted key. */
    public Optional<String> keyPassword() {
        return Optional.ofNullable(keyPassword);
    }

    /** {@code --tls-key-password-file}, whose first line is the password; never together with a password. */
    public Optional<Path> keyPasswordFile() {
        return Optional.ofNullable(keyPasswordFile);
    }

    /** {@code --tls-client-ca}: the CAs that client certificates must chain to. */
    public Optional<Path> clientCa() {
        return Optional.ofNullable(clientCa);
    }

    /**
     * Whether clients are asked for a certificate: {@code NONE} without {@code --tls-client-ca}, else the
     * {@code --tls-client-auth} mode, {@code REQUIRED} by default.
     */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** {@code --tls-watch}: how often the certificate, key and CA files are checked for changes. */
    public Optional<Duration> watch() {
        return Optional.ofNullable(watch);
    }

    /** {@code --upstream-ca}: the CAs wss:// upstreams are verified against instead of the JDK's. */
    public Optional<Path> upstreamCa() {
        return Optional.ofNullable(upstreamCa);
    }

    /** {@code --upstream-insecure}: wss:// upstreams are not verified at all. */
    public boolean upstreamInsecure() {
        return upstreamInsecure;
    }

    /** Collects the TLS flags for {@link RunnerOptions}' walk over the arguments; {@link #finish} checks them. */
    static final class Parser {
        private final List<Path> chains = new ArrayList<>();
        private final List<Path> keys = new ArrayList<>();
        private String keyPassword;
        private Path keyPasswordFile;
        private Path clientCa;
        private ClientAuth clientAuth;
        private Duration watch;
        private Path upstreamCa;
        private boolean upstreamInsecure;

        /** The TLS flag that takes no value. */
        static boolean isSwitch(String flag) {
            return flag.equals("--upstream-insecure");
        }

        /** Whether {@code flag} is a TLS flag that takes a value. */
        static boolean isValueFlag(String flag) {
            switch (flag) {
                case "--tls-cert":
                case "--tls-key":
                case "--tls-key-password":
                case "--tls-key-password-file":
                case "--tls-client-ca":
                case "--tls-client-auth":
                case "--tls-watch":
                case "--upstream-ca":
                    return true;
                default:
                    return false;
            }
        }

        void acceptSwitch() {
            upstreamInsecure = true;
        }

        /** Takes one TLS flag's value; the flag is one of {@link #isValueFlag} and the value is not null. */
        void accept(String flag, String value) throws UsageException {
            switch (flag) {
                case "--tls-cert":
                    chains.add(file(flag, value));
                    break;
                case "--tls-key":
                    keys.add(file(flag, value));
                    break;
                case "--tls-key-password":
                    if (value.isEmpty()) {
                        throw new UsageException(flag + ": missing value");
                    }
                    keyPassword = value;
                    break;
                case "--tls-key-password-file":
                    keyPasswordFile = file(flag, value);
                    break;
                case "--tls-client-ca":
                    clientCa = file(flag, value);
                    break;
                case "--tls-client-auth":
                    clientAuth = clientAuth(value);
                    break;
                case "--tls-watch":
                    watch = watchInterval(value);
                    break;
                default:
                    upstreamCa = file(flag, value);
                    break;
            }
        }

        /**
         * Checks the flags against each other and the upstreams, and makes the options.
         *
         * @throws UsageException for the first mistake, naming the flag
         */
        TlsOptions finish(List<UpstreamOption> upstreams) throws UsageException {
            if (chains.size() > keys.size()) {
                throw new UsageException("--tls-key: missing for --tls-cert " + chains.get(keys.size())
                        + " (give each --tls-cert its --tls-key, in the same order)");
            }
            if (keys.size() > chains.size()) {
                throw new UsageException("--tls-cert: missing for --tls-key " + keys.get(chains.size())
                        + " (give each --tls-key its --tls-cert, in the same order)");
            }
            if (keyPassword != null && keyPasswordFile != null) {
                throw new UsageException("--tls-key-password-file: cannot be combined with --tls-key-password");
            }
            if (chains.isEmpty()) {
                String listenerFlag = keyPassword != null ? "--tls-key-password"
                        : keyPasswordFile != null ? "--tls-key-password-file"
                        : clientCa != null ? "--tls-client-ca"
                        : clientAuth != null ? "--tls-client-auth"
                        : watch != null ? "--tls-watch"
                        : null;
                if (listenerFlag != null) {
                    throw new UsageException(listenerFlag + ": needs --tls-cert and --tls-key (the listeners'"
                            + " certificate)");
                }
            }
            if (clientAuth != null && clientCa == null) {
                throw new UsageException("--tls-client-auth: needs --tls-client-ca FILE (the CAs that issue the"
                        + " client certificates)");
            }
            if (upstreamInsecure && upstreamCa != null) {
                throw new UsageException("--upstream-insecure: cannot be combined with --upstream-ca");
            }
            if ((upstreamInsecure || upstreamCa != null)
                    && upstreams.stream().noneMatch(upstream -> upstream.uri().getScheme().equals("wss"))) {
                throw new UsageException((upstreamInsecure ? "--upstream-insecure" : "--upstream-ca")
                        + ": applies to wss:// upstreams, and no --upstream is wss://");
            }
            return new TlsOptions(this);
        }

        private static Path file(String flag, String value) throws UsageException {
            if (value.isEmpty()) {
                throw new UsageException(flag + ": missing value");
            }
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                throw new UsageException(flag + ": invalid file name '" + value + "' (" + e.getReason() + ")");
            }
        }

        private static ClientAuth clientAuth(String value) throws UsageException {
            switch (value.toLowerCase(Locale.ROOT)) {
                case "optional":
                    return ClientAuth.OPTIONAL;
                case "required":
                    return ClientAuth.REQUIRED;
                default:
                    throw new UsageException("--tls-client-auth: unknown mode '" + value
                            + "' (use optional or required)");
            }
        }

        private static Duration watchInterval(String value) throws UsageException {
            Duration interval;
            try {
                interval = Durations.parse(value);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--tls-watch: " + e.getMessage());
            }
            if (interval.compareTo(MIN_WATCH) < 0) {
                throw new UsageException("--tls-watch: " + value + " is too short (use at least "
                        + MIN_WATCH.toMillis() + "ms)");
            }
            return interval;
        }
    }
}
