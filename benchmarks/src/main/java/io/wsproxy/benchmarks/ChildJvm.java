package io.wsproxy.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The load generator: a second JVM on this JVM's class path, so that its sockets, threads and heap are not the
 * proxy's. It talks in lines: it prints on stdout ({@code backend PORT}, {@code ready N}, {@code result ...}), and
 * reads commands on stdin; its stderr goes to ours. Used by one thread.
 */
final class ChildJvm implements AutoCloseable {
    private static final String EOF = "\u0000eof";

    private final Process process;
    private final PrintWriter commands;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private ChildJvm(Process process) {
        this.process = process;
        this.commands = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException e) {
                System.err.println("Reading the load JVM's output failed: " + e);
            } finally {
                lines.add(EOF);
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code mainClass} in a new JVM with this JVM's class path and the given JVM options and arguments. */
    static ChildJvm start(Class<?> mainClass, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new ChildJvm(process);
    }

    long pid() {
        return process.pid();
    }

    void send(String command) {
        commands.println(command);
    }

    /**
     * Waits for the next line starting with {@code word + " "} and returns the rest of it; other lines are shown.
     *
     * @throws IOException if the child exits first or nothing comes in time
     */
    String expect(String word, long timeoutSeconds) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new IOException("The load JVM did not print '" + word + "' within " + timeoutSeconds + " s");
            }
            if (line.equals(EOF)) {
                throw new IOException("The load JVM exited before printing '" + word + "'");
            }
            if (line.startsWith(word + " ")) {
                return line.substring(word.length() + 1);
            }
            System.out.println("load: " + line);
        }
    }

    /**
     * Closes its stdin (which tells the child to close everything and exit) and waits up to 60 s for the exit, then
     * kills it. Idempotent.
     */
    void finish() throws InterruptedException {
        commands.close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            System.err.println("The load JVM did not exit within 60 s; killing it");
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** {@link #finish()}; an interrupt kills the child at once and is kept. */
    @Override
    public void close() {
        try {
            finish();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
