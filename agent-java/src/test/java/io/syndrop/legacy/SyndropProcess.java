package io.syndrop.legacy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.syndrop.proto.v1.DropEvent;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The syndrop CLI ({@code io.syndrop.cli.Main ARGS}) in its own JVM, with its stdout and stderr kept
 * line by line; JSON lines that are drop events are also parsed, for tests that reconcile them.
 * It runs from this JVM's class path, not target/syndrop.jar: surefire runs before the package
 * phase, so the jar there is whatever an earlier build left (it tested stale BPF text once).
 */
final class SyndropProcess implements AutoCloseable {
    private final Process process;
    private final List<String> out = new ArrayList<>();
    private final List<String> err = new ArrayList<>();
    private final List<DropEvent> events = new ArrayList<>();
    private final String what;

    /** Where stdout lines are copied as they come (null: nowhere), for commands that read a file of events. */
    private final java.io.Writer tee;

    private SyndropProcess(Process process, String what, Path teeFile) throws IOException {
        this.process = process;
        this.what = what;
        this.tee = teeFile == null ? null : Files.newBufferedWriter(teeFile, StandardCharsets.UTF_8);
        reader(process.getInputStream(), out, true).start();
        reader(process.getErrorStream(), err, false).start();
    }

    static SyndropProcess start(String... args) {
        return startTee(null, args);
    }

    /** Also copies every stdout line to {@code teeFile}, flushed per line. */
    static SyndropProcess startTee(Path teeFile, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // C1 only: tiered JVMs have crashed under multi-threaded TCG (docs/vm-harness.md).
                "-XX:TieredStopAtLevel=1", "-Xmx256m", "-cp", classPath(), MAIN));
        cmd.addAll(List.of(args));
        try {
            return new SyndropProcess(new ProcessBuilder(cmd).start(), String.join(" ", args), teeFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd, e);
        }
    }

    /** Runs to completion (at most {@code limit}); the exit code is {@link #exitCode()}. */
    static SyndropProcess run(Duration limit, String... args) throws InterruptedException {
        SyndropProcess p = start(args);
        if (!p.process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            p.close();
            throw new AssertionError("syndrop " + p.what + " did not finish within " + limit + "; stderr: " + p.stderr());
        }
        p.process.waitFor();
        Thread.sleep(200); // the readers reach EOF
        return p;
    }

    private static final String MAIN = "io.syndrop.cli.Main";

    /** This JVM's class path, which VmHarness sets to surefire's test class path (target/classes included). */
    static String classPath() {
        String cp = System.getProperty("java.class.path");
        if (cp == null || cp.isEmpty()) {
            throw new AssertionError("java.class.path is empty: run through Maven (VmHarness passes surefire's class path)");
        }
        // The product jar has no Log4j; the test class path does (the Kafka broker's, test scope). With
        // it present Netty logs through Log4j, whose status logger looks up the host name and prints
        // the failure on stdout, which is watch's JSON stream: run syndrop with the product's logging.
        return java.util.Arrays.stream(cp.split(java.io.File.pathSeparator))
                .filter(e -> !e.contains("/org/apache/logging/log4j/"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    private Thread reader(java.io.InputStream in, List<String> lines, boolean parse) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    DropEvent e = parse ? dropEvent(line) : null;
                    synchronized (this) {
                        if (parse && tee != null) {
                            tee.write(line + "\n");
                            tee.flush();
                        }
                        lines.add(line);
                        if (e != null) {
                            events.add(e);
                        }
                        notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "syndrop-" + (parse ? "out" : "err"));
        t.setDaemon(true);
        return t;
    }

    /** A drop event when the line is one as `watch --json` or a JSON sink writes it, else null. */
    static DropEvent dropEvent(String line) {
        if (!line.startsWith("{")) {
            return null;
        }
        JsonObject o;
        try {
            o = JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException notJson) {
            return null;
        }
        if (!o.has("reason") || !o.has("tsval")) {
            return null;
        }
        DropEvent.Builder b = DropEvent.newBuilder();
        try {
            JsonFormat.parser().ignoringUnknownFields().merge(line, b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError("a drop event line that is not a DropEvent: " + line, e);
        }
        return b.build();
    }

    /** Waits until a stderr line matches; fails with everything printed so far. */
    synchronized String awaitStderr(Predicate<String> match, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            for (String l : err) {
                if (match.test(l)) {
                    return l;
                }
            }
            long left = end - System.nanoTime();
            if (left <= 0 || !process.isAlive()) {
                throw new AssertionError("syndrop " + what + (process.isAlive() ? " printed no such line within " + limit
                        : " exited with " + process.exitValue()) + "; stderr: " + err + " stdout: " + out);
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** Events of namespace {@code ino} from index {@code from} on, once there are {@code n} (or the time is up). */
    synchronized List<DropEvent> awaitEvents(long ino, int from, int n, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (true) {
            List<DropEvent> mine = eventsIn(ino, from);
            long left = end - System.nanoTime();
            if (mine.size() >= n || left <= 0) {
                return mine;
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    synchronized List<DropEvent> eventsIn(long ino, int from) {
        List<DropEvent> mine = new ArrayList<>();
        for (int i = from; i < events.size(); i++) {
            if (events.get(i).getNetnsIno() == ino) {
                mine.add(events.get(i));
            }
        }
        return mine;
    }

    synchronized int eventCount() {
        return events.size();
    }

    synchronized String stdout() {
        return String.join("\n", out);
    }

    synchronized String stderr() {
        return String.join("\n", err);
    }

    /** Waits for the process to end by itself. */
    int awaitExit(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("syndrop " + what + " still runs after " + limit + "; stderr: " + stderr());
        }
        Thread.sleep(300); // the readers reach EOF
        return process.exitValue();
    }

    int exitCode() {
        return process.exitValue();
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
