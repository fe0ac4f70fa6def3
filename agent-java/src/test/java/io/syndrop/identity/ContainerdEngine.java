package io.syndrop.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A containerd of the test's own (root, state, socket; no shared daemon is touched). */
public final class ContainerdEngine implements AutoCloseable {

    public final Path socket;
    private final Path root;
    private final Path run;
    private final Process daemon;

    private ContainerdEngine(Path root, Path run, Process daemon) {
        this.root = root;
        this.run = run;
        this.socket = run.resolve("containerd.sock");
        this.daemon = daemon;
    }

    /** A containerd with the busybox image in namespaces default and k8s.io (where the CRI plugin looks). */
    public static ContainerdEngine start(BusyboxImage image) throws IOException {
        ContainerdEngine e = start();
        try {
            e.ctr("default", "images", "import", "--index-name", BusyboxImage.REF, image.ociArchive.toString());
            // k8s.io, where the CRI plugin looks: named from the archives' own tags (1, pause) under the
            // base name, as --index-name goes through a temporary import-DATE name the CRI plugin caches
            // and then loses
            e.ctr("k8s.io", "images", "import", "--base-name", BusyboxImage.BASE_NAME, image.ociArchive.toString());
            e.ctr("k8s.io", "images", "import", "--base-name", BusyboxImage.BASE_NAME, image.pauseArchive.toString());
        } catch (RuntimeException | Error x) {
            EngineCleanup.closeAfter(x, e);
            throw x;
        }
        return e;
    }

    /** A containerd with no image yet. */
    public static ContainerdEngine start() throws IOException {
        Commands.requireRoot();
        Commands.requireTool("/usr/bin/containerd");
        Commands.requireTool("/usr/bin/ctr");
        Commands.requireTool("/usr/sbin/runc");
        // not under /tmp: the VM harness shares /var/tmp, and the snapshots need a real file system
        Path root = Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-containerd-");
        Path run = Files.createTempDirectory(Files.createDirectories(Path.of("/run")), "syndrop-containerd-");
        // searchable by others, as the real /run/containerd (0711): a non-root agent that mounts
        // it must reach the socket and be refused by the socket's own mode, not by this directory
        Files.setPosixFilePermissions(run, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Path config = root.resolve("config.toml");
        Files.writeString(config, "version = 2\n"
                + "root = \"" + root.resolve("root") + "\"\n"
                + "state = \"" + run.resolve("state") + "\"\n"
                + "[grpc]\n  address = \"" + run.resolve("containerd.sock") + "\"\n"
                + "[ttrpc]\n  address = \"" + run.resolve("containerd.sock.ttrpc") + "\"\n"
                + "[debug]\n  address = \"\"\n"
                + "[metrics]\n  address = \"\"\n"
                // The CRI plugin (on by default) serves runtime.v1 on the same socket. Its streaming
                // server would take port 10010 on every engine (one per test class, maybe several
                // at once): any free loopback port instead. Its sandbox image is the local one (no
                // registry), its CNI directories private and empty (pods here use the node's network
                // or a namespace the test made). A pod sandbox asks for oom_score_adj -998, which takes
                // CAP_SYS_RESOURCE (not held where this may run, e.g. in a CI container): capped at
                // containerd's own instead.
                + "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                + "  restrict_oom_score_adj = true\n"
                + "  stream_server_address = \"127.0.0.1\"\n  stream_server_port = \"0\"\n"
                + "  sandbox_image = \"" + BusyboxImage.PAUSE_REF + "\"\n"
                + "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
                + "    bin_dir = \"" + root.resolve("cni-bin") + "\"\n"
                + "    conf_dir = \"" + root.resolve("cni-conf") + "\"\n");
        Path log = root.resolve("containerd.log");
        Process daemon = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ContainerdEngine e = new ContainerdEngine(root, run, daemon);
        try {
            Commands.awaitSocket(e.socket, daemon, log);
        } catch (RuntimeException | Error x) {
            EngineCleanup.closeAfter(x, e);
            throw x;
        }
        return e;
    }

    /** ctr against this containerd in a namespace; fails with ctr's output. */
    public String ctr(String namespace, String... args) {
        return Commands.run(ctrCommand(namespace, args));
    }

    public List<String> ctrCommand(String namespace, String... args) {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", namespace));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** The end of containerd's log, for a failure message (runc's and the CRI plugin's errors are there). */
    public String logTail() {
        try {
            String s = Files.readString(root.resolve("containerd.log"));
            return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
        } catch (IOException e) {
            return "(no containerd log: " + e.getMessage() + ")";
        }
    }

    /** The init pid of a running task, from {@code ctr task ls}. */
    public int taskPid(String namespace, String id) {
        for (String line : ctr(namespace, "task", "ls").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && f[0].equals(id) && f[2].equals("RUNNING")) {
                return Integer.parseInt(f[1]);
            }
        }
        throw new AssertionError("no running task " + id + " in containerd namespace " + namespace);
    }

    /** Stops and removes a container, as `ctr task kill` / `task rm` / `container rm` do. */
    public void remove(String namespace, String id) {
        ctr(namespace, "task", "rm", "-f", id);
        ctr(namespace, "container", "rm", id);
    }

    @Override
    public void close() throws Exception {
        List<String> namespaces = List.of("default", "k8s.io");
        if (daemon.isAlive()) {
            try {
                namespaces = List.of(ctr("default", "namespaces", "ls", "-q").strip().split("\\s+"));
            } catch (AssertionError e) {
                System.err.println("cleanup: could not list containerd's namespaces: " + e.getMessage());
            }
        }
        for (String ns : namespaces) {
            if (ns.isBlank() || !daemon.isAlive()) {
                continue;
            }
            try {
                for (String id : ctr(ns, "container", "ls", "-q").split("\n")) {
                    if (!id.isBlank()) {
                        try {
                            ctr(ns, "task", "rm", "-f", id.trim());
                        } catch (AssertionError noTask) {
                            // a container whose task was never started or is gone already
                        }
                        ctr(ns, "container", "rm", id.trim());
                    }
                }
            } catch (AssertionError e) {
                System.err.println("cleanup of containerd namespace " + ns + ": " + e.getMessage());
            }
        }
        EngineCleanup.stop(daemon);
        EngineCleanup.killShims(socket.toString());
        EngineCleanup.removeTrees(run, root);
    }
}
