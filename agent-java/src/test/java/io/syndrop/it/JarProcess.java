package io.syndrop.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built syndrop.jar run as its own process, as a user runs it. Its stdout and stderr lines are
 * collected as they come (to wait for one), kept together in arrival order (to search the whole
 * output with a regex), and, when a log file is given, written there too so a failed test leaves
 * the process's output behind.
 */
public final class JarProcess implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final BlockingQueue<String> stderr = new LinkedBlockingQueue<>();
    private final List<String> allErr = java.util.Collections.synchronizedList(new ArrayList<>());
    private final StringBuilder output = new StringBuilder();
    private final Writer log;

    private JarProcess(Process p, Path logFile) throws IOException {
        this.process = p;
        this.log = logFile == null ? null : Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        pump(p.getInputStream(), stdout, null);
        pump(p.getErrorStream(), stderr, allErr);
    }

    /**
     * What a JVM that should have ended is doing: jcmd's thread dump of it (or why there is none), for
     * the message of a test that timed out waiting for it, so a hang names the frame it hangs in.
     */
    public static String threadDump(Process p) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process d = new ProcessBuilder(jcmd.toString(), Long.toString(p.pid()), "Thread.print")
                    .redirectErrorStream(true).start();
            byte[] out = d.getInputStream().readAllBytes();
            if (!d.waitFor(30, TimeUnit.SECONDS)) {
                d.destroyForcibly();
                return "(jcmd did not answer in 30 s)";
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no thread dump: " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(no thread dump: interrupted)";
        }
    }

    public static Path jar() {
        Path jar = Path.of(System.getProperty("syndrop.jar", "target/syndrop.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the syndrop jar is not built at " + jar + ": run mvn package first");
        }
        return jar;
    }

    /** Any command that runs the jar another way (a container of the image), its output collected the same way. */
    public static JarProcess startCommand(List<String> command) throws IOException {
        return new JarProcess(new ProcessBuilder(command).start(), null);
    }

    /** Starts java -jar syndrop.jar ARGS with the JRE running this test; env null keeps this process's environment. */
    public static JarProcess start(Map<String, String> env, String... args) throws IOException {
        return start(env, null, List.of(), args);
    }

    /** Starts java FLAGS -jar syndrop.jar ARGS, e.g. with -Djdk.net.hosts.file to watch for name lookups. */
    public static JarProcess startWithJvmFlags(List<String> jvmFlags, String... args) throws IOException {
        return start(null, null, jvmFlags, args);
    }

    /**
     * Starts a collector or agent for a wire test, its output also in {@code logFile}. C1 only: these
     * processes live for seconds, and full JIT compilation would only compete with the test for CPU.
     */
    public static JarProcess startLogged(Path logFile, String... args) throws IOException {
        return start(null, logFile, List.of("-XX:TieredStopAtLevel=1", "-Xshare:auto"), args);
    }

    /** Starts WRAPPER java -jar JAR ARGS, e.g. under setpriv with fewer privileges and a copy of the jar. */
    public static JarProcess startWrapped(List<String> wrapper, Path jar, String... args) throws IOException {
        return start(null, null, wrapper, jar, List.of(), args);
    }

    private static JarProcess start(Map<String, String> env, Path logFile, List<String> jvmFlags, String... args) throws IOException {
        return start(env, logFile, List.of(), jar(), jvmFlags, args);
    }

    private static JarProcess start(Map<String, String> env, Path logFile, List<String> wrapper, Path jar,
                                    List<String> jvmFlags, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmFlags);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (env != null) {
            pb.environment().clear();
            pb.environment().putAll(env);
        }
        return new JarProcess(pb.start(), logFile);
    }

    private void pump(InputStream in, BlockingQueue<String> q, List<String> copy) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    record(line);
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

    private synchronized void record(String line) {
        output.append(line).append('\n');
        if (log != null) {
            try {
                log.write(line);
                log.write('\n');
                log.flush();
            } catch (IOException ignored) {
                // the in-memory copy is what tests read
            }
        }
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
                + "; stderr: " + stderrSoFar() + (process.isAlive() ? "" : "; exit code " + process.exitValue()));
    }

    /**
     * Waits until the output so far (stdout and stderr) holds a match of the regex, and returns the
     * last match's group 1 (or the whole match); fails if the process exits first.
     */
    public String awaitLog(String regex, long timeoutMs) throws InterruptedException {
        Pattern p = Pattern.compile(regex);
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            boolean alive = process.isAlive();
            Matcher m = p.matcher(logText());
            String last = null;
            while (m.find()) {
                last = m.groupCount() > 0 ? m.group(1) : m.group();
            }
            if (last != null) {
                return last;
            }
            if (!alive) {
                throw new AssertionError("process exited with " + process.exitValue() + " before logging /" + regex + "/:\n" + logText());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no log line /" + regex + "/ within " + timeoutMs + " ms:\n" + logText());
    }

    /** Everything the process printed so far, stdout and stderr in arrival order. */
    public synchronized String logText() {
        return output.toString();
    }

    public Process process() {
        return process;
    }

    public String stderrSoFar() {
        synchronized (allErr) { // a synchronized list's iteration is the caller's to guard
            return String.join("\n", allErr);
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public int waitFor(long timeoutMs) throws InterruptedException {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeoutMs + " ms:\n" + logText());
        }
        return process.exitValue();
    }

    /** SIGTERM, as Ctrl-C or a service manager would stop it; SIGKILL after 5 s. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
            if (log != null) {
                synchronized (this) {
                    log.close();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // nothing more to keep
        }
    }
}
