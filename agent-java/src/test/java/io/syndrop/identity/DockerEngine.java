package io.syndrop.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A Docker Engine of the test's own (data root, exec root, socket; no iptables, no bridge).
 * Its client is Debian's (/usr/bin/docker), which matches it.
 */
public final class DockerEngine implements AutoCloseable {

    static final String IMAGE = "local/busybox:1";
    private static final String CLIENT = "/usr/bin/docker";

    public final Path socket;
    private final Path data;
    private final Path run;
    private final Process daemon;

    private DockerEngine(Path data, Path run, Process daemon) {
        this.data = data;
        this.run = run;
        this.socket = run.resolve("docker.sock");
        this.daemon = daemon;
    }

    /** A Docker Engine with its own containerd (dockerd starts one) and the busybox image as {@link #IMAGE}. */
    static DockerEngine start(BusyboxImage image) throws IOException {
        DockerEngine e = launch(List.of());
        try {
            Path rootfsTar = e.data.resolve("rootfs.tar");
            Commands.run(List.of("tar", "-C", image.rootfs.toString(), "-cf", rootfsTar.toString(), "."));
            e.docker("import", "-", IMAGE, rootfsTar);
        } catch (RuntimeException | Error x) {
            EngineCleanup.closeAfter(x, e);
            throw x;
        }
        return e;
    }

    /** A Docker Engine on a containerd the test started (its containers in containerd's namespace moby), no image. */
    public static DockerEngine onContainerd(ContainerdEngine containerd) throws IOException {
        return launch(List.of("--containerd", containerd.socket.toString()));
    }

    private static DockerEngine launch(List<String> extra) throws IOException {
        Commands.requireRoot();
        Commands.requireTool("/usr/sbin/dockerd");
        Commands.requireTool(CLIENT);
        Path data = Files.createTempDirectory(Path.of("/var/tmp"), "syndrop-docker-");
        Path run = Files.createTempDirectory(Files.createDirectories(Path.of("/run")), "syndrop-docker-");
        Path log = data.resolve("dockerd.log");
        List<String> cmd = new ArrayList<>(List.of("dockerd", "--data-root", data.resolve("data").toString(),
                "--exec-root", run.resolve("exec").toString(), "--pidfile", run.resolve("dockerd.pid").toString(),
                "-H", "unix://" + run.resolve("docker.sock"), "--iptables=false", "--ip6tables=false",
                "--bridge=none", "--storage-driver=vfs"));
        cmd.addAll(extra);
        Process daemon = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        DockerEngine e = new DockerEngine(data, run, daemon);
        try {
            Commands.awaitSocket(e.socket, daemon, log);
        } catch (RuntimeException | Error x) {
            EngineCleanup.closeAfter(x, e);
            throw x;
        }
        return e;
    }

    /** The docker client's command line against this engine. */
    public List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of(CLIENT, "-H", "unix://" + socket));
        cmd.addAll(List.of(args));
        return cmd;
    }

    String docker(String... args) {
        return docker(List.of(args), null);
    }

    private String docker(String a, String b, String c, Path input) {
        return docker(List.of(a, b, c), input);
    }

    private String docker(List<String> args, Path input) {
        return Commands.run(command(args.toArray(String[]::new)), input).strip();
    }

    int pid(String name) {
        return Integer.parseInt(docker("inspect", "-f", "{{.State.Pid}}", name));
    }

    @Override
    public void close() throws Exception {
        try {
            String ids = daemon.isAlive() ? docker("ps", "-aq") : "";
            for (String id : ids.split("\n")) {
                if (!id.isBlank()) {
                    docker("rm", "-f", id.trim());
                }
            }
        } catch (AssertionError e) {
            System.err.println("cleanup of Docker containers: " + e.getMessage());
        }
        EngineCleanup.stop(daemon);
        EngineCleanup.killShims(run.toString());
        EngineCleanup.removeTrees(run, data);
    }
}
