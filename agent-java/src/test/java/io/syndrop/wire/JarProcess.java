package io.syndrop.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built syndrop jar run as its own process (as a user runs it), with stderr kept in a file. */
public final class JarProcess implements AutoCloseable {
    private final Process process;
    private final Path log;

    private JarProcess(Process p, Path log) {
        this.process = p;
        this.log = log;
    }

    public static Path jar() {
        String j = System.getProperty("syndrop.jar");
        if (j == null || !Files.isRegularFile(Path.of(j))) {
            throw new IllegalStateException("system property syndrop.jar must name the built jar (run through failsafe after package), got " + j);
        }
        return Path.of(j);
    }

    public static JarProcess start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-jar", jar().toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new JarProcess(pb.start(), log);
    }

    /** Waits for a line matching the regex (group 1 returned), failing if the process dies first. */
    public String awaitLog(String regex, long timeoutMs) throws Exception {
        Pattern p = Pattern.compile(regex);
        long end = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < end) {
            if (Files.exists(log)) {
                Matcher m = p.matcher(Files.readString(log));
                Matcher last = null;
                while (m.find()) {
                    last = p.matcher(m.group());
                    last.find();
                }
                if (last != null) {
                    return last.groupCount() > 0 ? last.group(1) : last.group();
                }
            }
            if (!process.isAlive()) {
                throw new AssertionError("process exited with " + process.exitValue() + " before logging /" + regex + "/:\n" + logText());
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no log line /" + regex + "/ within " + timeoutMs + " ms:\n" + logText());
    }

    public String logText() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public Process process() {
        return process;
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    public int waitFor(long timeoutMs) throws Exception {
        if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeoutMs + " ms:\n" + logText());
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
