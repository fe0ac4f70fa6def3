package io.syndrop.it;

import io.syndrop.counters.CounterReader;
import io.syndrop.os.NetnsTarget;
import io.syndrop.counters.NetnsThread;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace as a container runtime leaves it: no name under /var/run/netns, only a
 * process in it (here `sleep`, started by `unshare --net`). Code runs in it on a thread that
 * joins it with setns(2); sockets opened there stay in it.
 */
final class UnnamedNetns implements AutoCloseable {
    private final Process holder;
    private final long inode;

    private UnnamedNetns(Process holder, long inode) {
        this.holder = holder;
        this.inode = inode;
    }

    static UnnamedNetns start() throws Exception {
        String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        // Never inheritIO: the test JVM's stdout is surefire's channel to Maven.
        Process p = new ProcessBuilder("unshare", "--net", "sleep", "600").redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Path link = Path.of("/proc", Long.toString(p.pid()), "ns", "net");
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String theirs = ours;
        while (theirs.equals(ours) && p.isAlive() && System.nanoTime() < end) {
            Thread.sleep(20);
            theirs = Files.readSymbolicLink(link).toString();
        }
        if (theirs.equals(ours)) {
            p.destroyForcibly();
            throw new AssertionError("unshare --net did not give pid " + p.pid() + " a network namespace of its own (root needed)");
        }
        Process up = new ProcessBuilder("nsenter", "-t", Long.toString(p.pid()), "-n", "ip", "link", "set", "lo", "up")
                .redirectErrorStream(true).start();
        String said = new String(up.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!up.waitFor(10, TimeUnit.SECONDS) || up.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("cannot bring loopback up in the namespace of pid " + p.pid() + ": " + said);
        }
        return new UnnamedNetns(p, Long.parseLong(theirs.substring(theirs.indexOf('[') + 1, theirs.indexOf(']'))));
    }

    long pid() {
        return holder.pid();
    }

    long inode() {
        return inode;
    }

    /** What syndrop calls it: after its only process. */
    String label() {
        return "netns ino " + inode + " (pid " + pid() + " sleep)";
    }

    <T> T call(Callable<T> body) throws Exception {
        return NetnsThread.call(Path.of("/proc", Long.toString(pid()), "ns", "net"), body);
    }

    long counter(String key) throws Exception {
        return new CounterReader(new NetnsTarget(NetnsTarget.Kind.PID, "", pid()), false).sample().get(key).orElseThrow();
    }

    @Override
    public void close() throws InterruptedException {
        holder.destroyForcibly();
        holder.waitFor(10, TimeUnit.SECONDS);
    }
}
