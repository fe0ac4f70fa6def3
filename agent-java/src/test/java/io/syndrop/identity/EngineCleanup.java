package io.syndrop.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Tears down what an engine the test started leaves behind: its daemon, its shims, its mounts, its directories. */
public final class EngineCleanup {
    private EngineCleanup() {
    }

    /** Closes what a failed start left, keeping the start's failure as the one thrown. */
    public static void closeAfter(Throwable failure, AutoCloseable... started) {
        for (AutoCloseable c : started) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception cleanup) {
                failure.addSuppressed(cleanup);
            }
        }
    }

    static void stop(Process daemon) throws InterruptedException {
        if (daemon == null) {
            return;
        }
        daemon.destroy();
        if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
            daemon.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Kills the runtime shims whose command line names this engine's own socket (they outlive containerd). */
    static void killShims(String socket) throws IOException {
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : procs) {
                String cmdline;
                try {
                    cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                } catch (IOException e) {
                    continue; // exited meanwhile
                }
                if (cmdline.contains("containerd-shim") && cmdline.contains(socket)) {
                    ProcessHandle.of(Long.parseLong(p.getFileName().toString())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    /** Unmounts (deepest first) everything under these directories, then deletes them. */
    public static void removeTrees(Path... dirs) throws IOException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] f = line.split(" ");
            for (Path d : dirs) {
                if (f.length > 1 && f[1].startsWith(d.toString())) {
                    mounts.add(f[1]);
                }
            }
        }
        mounts.sort((a, b) -> b.length() - a.length());
        for (String m : mounts) {
            // waited for: rm below otherwise races the detach and meets a busy mount point
            Process umount = new ProcessBuilder("umount", "-l", m).inheritIO().start();
            try {
                umount.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted unmounting " + m, e);
            }
        }
        for (Path d : dirs) {
            Commands.run(List.of("rm", "-rf", "--one-file-system", d.toString()));
        }
    }
}
