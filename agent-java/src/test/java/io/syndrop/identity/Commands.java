package io.syndrop.identity;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the container tools the engine tests drive; a tool that fails fails the test with its output. */
final class Commands {
    private Commands() {
    }

    static String run(List<String> cmd) {
        return run(cmd, null);
    }

    /** Runs {@code cmd} (stdin from {@code input} when given) and returns its stdout and stderr. */
    static String run(List<String> cmd, Path input) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            if (input != null) {
                pb.redirectInput(input.toFile());
            }
            Process p = pb.start();
            byte[] out;
            try (InputStream in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", cmd));
            }
            String s = new String(out, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ":\n" + s);
            }
            return s;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd.get(0) + " (" + e.getMessage()
                    + "); scripts/install-deps.sh --test installs the container tools", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void requireRoot() {
        if (!io.syndrop.probe.Privileges.isRoot()) {
            throw new AssertionError("this test runs a container engine and needs root; run the suite as root");
        }
    }

    static void requireTool(String path) {
        if (!Files.isExecutable(Path.of(path))) {
            throw new AssertionError(path + " is missing; scripts/install-deps.sh --test installs it"
                    + " (containerd, runc, docker.io, umoci)");
        }
    }

    /** Waits up to 30 s for a daemon's socket; the daemon's log is in the failure. */
    static void awaitSocket(Path socket, Process daemon, Path log) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                String text;
                try {
                    text = Files.readString(log);
                } catch (IOException e) {
                    text = "(no log: " + e.getMessage() + ")";
                }
                throw new AssertionError("no socket " + socket + " from " + daemon.info().command().orElse("daemon")
                        + (daemon.isAlive() ? " after 30 s" : ", it exited " + daemon.exitValue()) + ":\n" + text);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** /proc/PID/ns/net's inode. */
    static long netnsInode(long pid) {
        try {
            return ((Number) Files.getAttribute(Path.of("/proc", Long.toString(pid), "ns", "net"), "unix:ino"))
                    .longValue();
        } catch (IOException e) {
            throw new AssertionError("no /proc/" + pid + "/ns/net", e);
        }
    }
}
