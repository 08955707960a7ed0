package io.wsproxy.benchmarks.jmh;

import io.wsproxy.internal.codec.FrameScanner;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Throughput of {@link FrameScanner}, the per-direction frame tracking of the relay, over a realistic stream in a
 * direct buffer. One invocation scans a 1 MiB stream ({@link FrameStream}) presented as 16 reads of 64 KiB, the
 * relay's read size, the way {@code Pump.forward} does: scan until the read is used up or the scanner stops at a
 * control frame (then go on after it), and present an unconsumed tail (an incomplete header or control frame) again
 * at the start of the next read. The relay copies that tail (at most 139 bytes) into the connection's inbound
 * buffer; here it is simply re-presented in place, so only the scanner is measured.
 *
 * <p>One operation is one 64 KiB read: ops/s × 65,536 = bytes/s. The stream ends at a frame boundary with no
 * message open, so the same scanner goes on into the next pass without a reset; every pass checks that it ended
 * exactly there. Run with {@code -prof gc}: {@code gc.alloc.rate.norm} is bytes allocated per 64 KiB read.
 *
 * <p>State per thread; single-threaded like a connection's loop.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameScannerBenchmark {
    static final int READ_BYTES = 64 * 1024;
    static final int READS_PER_PASS = 16;
    static final int STREAM_BYTES = READ_BYTES * READS_PER_PASS;

    /** The traffic shape; see {@link FrameStream.Shape}. */
    @Param({"MESSAGES_128", "MESSAGES_64K", "MIXED_WITH_PINGS"})
    public String shape;

    /** {@code client}: masked frames, client to server; {@code server}: unmasked, server to client. */
    @Param({"client", "server"})
    public String direction;

    private ByteBuffer stream;
    private FrameScanner scanner;

    @Setup(Level.Trial)
    public void setUp() {
        boolean masked = switch (direction) {
            case "client" -> true;
            case "server" -> false;
            default -> throw new IllegalArgumentException("direction: " + direction);
        };
        FrameStream frames = FrameStream.build(FrameStream.Shape.valueOf(shape), masked, STREAM_BYTES, 6455);
        stream = frames.toDirectBuffer();
        // The proxy's default: no message size limit.
        scanner = new FrameScanner(masked, 0);
        int controlFrames = scanPass();
        if (controlFrames != frames.pings()) {
            throw new IllegalStateException(controlFrames + " control frames seen, " + frames.pings() + " written");
        }
        System.out.printf("%n%s %s: %,d data frames, %,d pings in %,d bytes%n",
                shape, direction, frames.dataFrames(), frames.pings(), STREAM_BYTES);
    }

    /** Scans one pass of the stream; returns the number of control frames, for the check and against dead code. */
    @Benchmark
    @OperationsPerInvocation(READS_PER_PASS)
    public int scan() {
        return scanPass();
    }

    private int scanPass() {
        FrameScanner scanner = this.scanner;
        ByteBuffer in = stream;
        int position = 0;
        int controlFrames = 0;
        for (int readEnd = READ_BYTES; readEnd <= STREAM_BYTES; readEnd += READ_BYTES) {
            while (position < readEnd) {
                position += scanner.scan(in, position, readEnd - position);
                FrameScanner.Event event = scanner.event();
                if (event == FrameScanner.Event.NONE) {
                    break;
                }
                if (event == FrameScanner.Event.VIOLATION) {
                    throw new IllegalStateException("violation at " + position + ": " + scanner.violationReason());
                }
                controlFrames++;
            }
        }
        if (position != STREAM_BYTES || !scanner.atFrameBoundary() || scanner.inFragmentedMessage()) {
            throw new IllegalStateException("pass ended at " + position + ", not at the end of a message");
        }
        return controlFrames;
    }
}
