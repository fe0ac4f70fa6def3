package io.syndrop.image;

import io.syndrop.demo.ExecResult;
import io.syndrop.demo.Shell;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private containerd and a Docker Engine on top of it, as the shared container notes start them: their
 * own roots under /var/tmp, state and sockets under /run, no bridge and no iptables changes, so
 * nothing shared on the machine is touched. Closing stops both and removes everything they made.
 */
final class ContainerEngines implements AutoCloseable {
    static final String NAMESPACE = "syndrop-test";
    private final Path root;
    private final Path run;
    private final Process containerd;
    private Process dockerd;

    private ContainerEngines(Path root, Path run, Process containerd) {
        this.root = root;
        this.run = run;
        this.containerd = containerd;
    }

    static ContainerEngines start() throws Exception {
        String id = "syndrop-image-" + ProcessHandle.current().pid();
        Path root = Path.of("/var/tmp", id);
        Path run = Path.of("/run", id);
        Files.createDirectories(root);
        Files.createDirectories(run);
        Path cfg = root.resolve("containerd.toml");
        Files.writeString(cfg, "version = 2\nroot = \"" + root.resolve("containerd") + "\"\nstate = \""
                + run.resolve("containerd") + "\"\n[grpc]\n  address = \"" + run.resolve("containerd.sock") + "\"\n");
        Process c = new ProcessBuilder("containerd", "--config", cfg.toString())
                .redirectErrorStream(true).redirectOutput(root.resolve("containerd.log").toFile()).start();
        ContainerEngines e = new ContainerEngines(root, run, c);
        try {
            e.awaitSocket(run.resolve("containerd.sock"), c, "containerd");
            e.dockerd = new ProcessBuilder("dockerd", "--data-root", root.resolve("docker").toString(),
                    "--exec-root", run.resolve("docker").toString(), "--pidfile", run.resolve("docker.pid").toString(),
                    "-H", "unix://" + run.resolve("docker.sock"), "--containerd", run.resolve("containerd.sock").toString(),
                    "--iptables=false", "--ip6tables=false", "--bridge=none", "--storage-driver=vfs")
                    .redirectErrorStream(true).redirectOutput(root.resolve("dockerd.log").toFile()).start();
            e.awaitSocket(run.resolve("docker.sock"), e.dockerd, "dockerd");
            e.docker(Duration.ofSeconds(30), "version").orThrow();
        } catch (Exception | AssertionError x) {
            e.close();
            throw x;
        }
        return e;
    }

    private void awaitSocket(Path sock, Process p, String what) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new AssertionError(what + " exited with " + p.exitValue() + ": " + log(what));
            }
            if (Files.exists(sock)) {
                try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    ch.connect(UnixDomainSocketAddress.of(sock));
                    return;
                } catch (IOException notYet) {
                    // not listening yet
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " did not listen on " + sock + " within 60 s: " + log(what));
    }

    String log(String what) {
        try {
            String s = Files.readString(root.resolve(what + ".log"));
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** ctr against the private containerd, in this test's containerd namespace. */
    List<String> ctrCommand(String... args) {
        return ctrCommandIn(NAMESPACE, args);
    }

    /** ctr against the private containerd, in containerd namespace {@code namespace} (k8s.io: the kubelet's). */
    List<String> ctrCommandIn(String namespace, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", containerdSocket().toString(), "-n", namespace));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The private containerd's socket; its directory is what the agent's container mounts as /run/containerd. */
    Path containerdSocket() {
        return run.resolve("containerd.sock");
    }

    ExecResult ctr(Duration timeout, String... args) {
        return Shell.run(timeout, ctrCommand(args));
    }

    List<String> dockerCommand(String... args) {
        List<String> cmd = new ArrayList<>(List.of("docker", "-H", "unix://" + run.resolve("docker.sock")));
        cmd.addAll(List.of(args));
        return cmd;
    }

    ExecResult docker(Duration timeout, String... args) {
        return Shell.run(timeout, dockerCommand(args));
    }

    /** A fresh directory under this run's root (not /tmp: the engines' mounts must see it). */
    Path newDirectory(String name) throws IOException {
        return Files.createDirectories(root.resolve("work").resolve(name));
    }

    @Override
    public void close() throws Exception {
        if (dockerd != null) {
            for (String id : docker(Duration.ofSeconds(20), "ps", "-aq").stdout().split("\\s+")) {
                if (!id.isBlank()) {
                    docker(Duration.ofSeconds(30), "rm", "-f", id);
                }
            }
            stop(dockerd);
        }
        if (containerd.isAlive()) {
            for (String line : ctr(Duration.ofSeconds(20), "tasks", "ls", "-q").stdout().split("\\s+")) {
                if (!line.isBlank()) {
                    ctr(Duration.ofSeconds(20), "tasks", "kill", "-s", "SIGKILL", line);
                    ctr(Duration.ofSeconds(20), "tasks", "delete", "-f", line);
                }
            }
            for (String line : ctr(Duration.ofSeconds(20), "containers", "ls", "-q").stdout().split("\\s+")) {
                if (!line.isBlank()) {
                    ctr(Duration.ofSeconds(20), "containers", "delete", line);
                }
            }
        }
        stop(containerd);
        unmountUnder(root);
        unmountUnder(run);
        deleteTree(run);
        deleteTree(root);
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    /** Mounts the engines left behind (a killed shim's rootfs, a snapshot), deepest first. */
    private static void unmountUnder(Path dir) throws IOException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String at = line.split(" ")[1].replace("\\040", " ");
            if (at.startsWith(dir + "/") || at.equals(dir.toString())) {
                mounts.add(at);
            }
        }
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        for (String m : mounts) {
            Shell.run(Duration.ofSeconds(20), List.of("umount", "-l", m));
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
