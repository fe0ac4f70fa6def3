package io.syndrop.image;

import io.syndrop.it.JarProcess;
import io.syndrop.demo.ExecResult;
import io.syndrop.demo.Shell;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** The image as the build makes it: deploy/image/build.sh run on the jar under test, once per test run. */
public final class SyndropImage {
    static final String VERSION = "0.1.0";
    /** The name `ctr images import --base-name` and `docker load` give it. */
    static final String CONTAINERD_REF = "docker.io/library/syndrop:" + VERSION;
    static final String DOCKER_REF = "syndrop:" + VERSION;
    /** The image's default user (deploy/image/build.sh). */
    public static final int UID = 10001;

    private static Path dir;

    private SyndropImage() {}

    static synchronized Path built() {
        if (dir == null) {
            Path top = Path.of(System.getProperty("syndrop.top", "..")).toAbsolutePath().normalize();
            Path out = top.resolve("agent-java/target/image");
            ExecResult r = Shell.run(Duration.ofMinutes(5), List.of(top.resolve("deploy/image/build.sh").toString(),
                    JarProcess.jar().toAbsolutePath().toString(), out.toString(), VERSION));
            if (!r.ok()) {
                throw new AssertionError("deploy/image/build.sh failed: " + r.describe());
            }
            dir = out;
        }
        return dir;
    }

    static Path ociArchive() {
        return built().resolve("syndrop-image.oci.tar");
    }

    static Path dockerArchive() {
        return built().resolve("syndrop-image.docker.tar");
    }
}
