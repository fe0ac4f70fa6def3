package io.syndrop.identity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A one-binary image built here (no registry is reachable): Debian's busybox-static as /bin/busybox
 * with its applets linked, as an OCI archive (containerd) and as a root file system (docker import).
 */
public final class BusyboxImage {

    static final String BASE_NAME = "docker.io/local/busybox";
    public static final String REF = BASE_NAME + ":1";
    /**
     * The same files with an entrypoint that sleeps: a CRI server runs its pod sandbox (the
     * kubelet's pause container) from the image's own entrypoint, and none can be pulled here.
     */
    public static final String PAUSE_REF = BASE_NAME + ":pause";
    private static final List<String> APPLETS = List.of("sh", "sleep", "nc", "cat", "ls", "ip", "true");

    /** In the image as /bin/listen_never_accept PORT BACKLOG: a server that never accepts. */
    public static final String LISTENER = "listen_never_accept";

    final Path ociArchive;
    final Path pauseArchive;
    final Path rootfs;

    private BusyboxImage(Path ociArchive, Path pauseArchive, Path rootfs) {
        this.ociArchive = ociArchive;
        this.pauseArchive = pauseArchive;
        this.rootfs = rootfs;
    }

    /** The OCI archive to import (ctr images import --index-name REF). */
    public Path ociArchive() {
        return ociArchive;
    }

    public static BusyboxImage build(Path dir) throws IOException {
        Commands.requireTool("/usr/bin/umoci");
        Path busybox = Path.of("/bin/busybox");
        if (!Files.isExecutable(busybox)) {
            throw new AssertionError("no /bin/busybox; apt-get install busybox-static");
        }
        Path layout = dir.resolve("oci");
        Path bundle = dir.resolve("bundle");
        Commands.run(List.of("umoci", "init", "--layout", layout.toString()));
        Commands.run(List.of("umoci", "new", "--image", layout + ":1"));
        Commands.run(List.of("umoci", "unpack", "--image", layout + ":1", bundle.toString()));
        Path rootfs = bundle.resolve("rootfs");
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(busybox, bin.resolve("busybox"));
        buildListener(dir, bin.resolve(LISTENER));
        for (String applet : APPLETS) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        Commands.run(List.of("umoci", "repack", "--image", layout + ":1", bundle.toString()));
        Path archive = dir.resolve("busybox-oci.tar");
        Commands.run(List.of("tar", "-C", layout.toString(), "-cf", archive.toString(), "."));
        Path pauseLayout = dir.resolve("oci-pause");
        Commands.run(List.of("cp", "-a", layout.toString(), pauseLayout.toString()));
        // its own tag: ctr import also names an image after the tag, and a second "1" would
        // take that name from the first image under the CRI plugin's feet
        Commands.run(List.of("umoci", "config", "--image", pauseLayout + ":1", "--tag", "pause",
                "--config.entrypoint", "/bin/sleep", "--config.cmd", "2147483647"));
        Commands.run(List.of("umoci", "rm", "--image", pauseLayout + ":1"));
        Path pauseArchive = dir.resolve("busybox-pause-oci.tar");
        Commands.run(List.of("tar", "-C", pauseLayout.toString(), "-cf", pauseArchive.toString(), "."));
        return new BusyboxImage(archive, pauseArchive, rootfs);
    }

    private static void buildListener(Path dir, Path out) throws IOException {
        Path src = dir.resolve(LISTENER + ".c");
        try (var in = BusyboxImage.class.getResourceAsStream(LISTENER + ".c")) {
            Files.copy(in, src);
        }
        Commands.requireTool("/usr/bin/gcc");
        Commands.run(List.of("gcc", "-static", "-O2", "-o", out.toString(), src.toString()));
    }
}
