package io.wsproxy.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Backup members, as nginx's {@code server ... backup}: they get a connection only when no primary can take it
 * (every primary down, draining, or already failed for that connection), and the primaries take over again when
 * they are back.
 */
class BackupMemberTest {
    private static final ClientRequest REQUEST =
            new ClientRequest(new InetSocketAddress("192.0.2.1", 1234), "/", null, Map.of());

    private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1_000));
    private final Upstream primary1 = Upstream.of("ws://127.0.0.1:9001");
    private final Upstream primary2 = Upstream.of("ws://127.0.0.1:9002");
    private final Upstream backup = Upstream.of("ws://127.0.0.1:9009");
    private final UpstreamPool pool = UpstreamPool.builder().add(primary1).add(primary2).addBackup(backup)
            .passiveHealth(1, Duration.ofSeconds(10)).clock(now::get).build();

    /** The member a new connection gets, its outcome reported as a success (then closed). */
    private Upstream next() {
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
        Upstream chosen = attempt.next();
        attempt.succeeded();
        attempt.closed();
        return chosen;
    }

    private void failOnce(Upstream member) {
        UpstreamPool.Attempt attempt = pool.attempt(REQUEST, 3);
        for (Upstream chosen = attempt.next(); chosen != member; chosen = attempt.next()) {
            attempt.abandon();
        }
        attempt.failed();
    }

    @Test
    void aBackupGetsNothingWhilePrimariesAreUp() {
        for (int i = 0; i < 100; i++) {
            assertTrue(next() != backup);
        }
        assertTrue(pool.isBackup(backup));
    }

    @Test
    void aBackupTakesOverWhenEveryPrimaryIsDownAndGivesBackWhenOneReturns() {
        failOnce(primary1);
        failOnce(primary2);
        for (int i = 0; i < 10; i++) {
            assertEquals(backup, next());
        }
        now.addAndGet(TimeUnit.SECONDS.toNanos(10));
        for (int i = 0; i < 10; i++) {
            assertTrue(next() != backup, "the primaries are tried again after their fail timeout");
        }
    }

    @Test
    void aConnectionWhosePrimariesBothFailGoesToTheBackup() {
        UpstreamPool noHealth = UpstreamPool.builder().add(primary1).add(primary2).addBackup(backup)
                .passiveHealth(0, Duration.ofSeconds(10)).build();
        UpstreamPool.Attempt attempt = noHealth.attempt(REQUEST, 3);
        attempt.next();
        attempt.failed();
        attempt.next();
        attempt.failed();
        assertEquals(backup, attempt.next());
    }

    @Test
    void aPoolOfBackupsOnlyIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UpstreamPool.builder().addBackup(backup).build());
        assertTrue(e.getMessage().contains("not a backup"), e.getMessage());
    }
}
