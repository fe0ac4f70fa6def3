package io.syndrop.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** The built syndrop.jar run as a user runs it, with its output lines collected as they come. */
public final class JarProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
    private final List<String> allErr = java.util.Collections.synchronizedList(new ArrayList<>());

    private JarProcess(Process p) {
        this.process = p;
        pump(p.getInputStream(), stdout, null);
        pump(p.getErrorStream(), stderr, allErr);
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("syndrop.jar", "target/syndrop.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the syndrop jar is not built at " + jar + ": run mvn package first");
        }
        return jar;
    }

    /** Starts java -jar syndrop.jar ARGS with the JRE running this test and the given environment. */
    public static JarProcess start(Map<String, String> env, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-jar");
        cmd.add(jar().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        return new JarProcess(pb.start());
    }

    private static void pump(java.io.InputStream in, BlockingQueue<String> q, List<String> copy) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    q.add(line);
                    if (copy != null) {
                        copy.add(line);
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        }, "jar-output");
        t.setDaemon(true);
        t.start();
    }

    /** Waits for a stdout line matching {@code p}; fails with everything seen so far. */
    public String awaitStdout(Predicate<String> p, Duration timeout) throws InterruptedException {
        return await(stdout, p, timeout, "stdout");
    }

    public String awaitStderr(Predicate<String> p, Duration timeout) throws InterruptedException {
        return await(stderr, p, timeout, "stderr");
    }

    private String await(BlockingQueue<String> q, Predicate<String> p, Duration timeout, String what)
            throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < end) {
            String line = q.poll(100, TimeUnit.MILLISECONDS);
            if (line == null) {
                if (!process.isAlive() && q.isEmpty()) {
                    break;
                }
                continue;
            }
            seen.add(line);
            if (p.test(line)) {
                return line;
            }
        }
        throw new AssertionError("no expected line on " + what + " within " + timeout + "; saw " + seen
                + "; stderr: " + allErr + (process.isAlive() ? "" : "; exit code " + process.exitValue()));
    }

    public Process process() {
        return process;
    }

    public String stderrSoFar() {
        return String.join("\n", allErr);
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
