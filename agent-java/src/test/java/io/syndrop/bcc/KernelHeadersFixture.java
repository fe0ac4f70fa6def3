package io.syndrop.bcc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import io.syndrop.os.Libc;

/**
 * Headers of a real kernel for BCC on a host whose running kernel has none: Debian's 6.1
 * headers (linux-headers-amd64, installed by scripts/install-deps.sh --test) come split into
 * -amd64 and -common trees; BCC's $BCC_KERNEL_SOURCE wants one tree, so they are merged into
 * a symlink farm (cp -rs), kept in ~/.cache/syndrop/bcc-headers/ for later runs (built under a
 * temporary name, then renamed, so a half-built tree is never used). Fails loudly when the
 * package is absent.
 */
final class KernelHeadersFixture {
    private static Path farm;

    private KernelHeadersFixture() {
    }

    static synchronized Path debian61() throws IOException {
        if (farm != null) {
            return farm;
        }
        Path arch;
        try (var dirs = Files.list(Path.of("/usr/src"))) {
            arch = dirs.filter(p -> p.getFileName().toString().matches("linux-headers-6\\.1\\.0-\\d+-amd64"))
                    .max(Comparator.naturalOrder())
                    .orElseThrow(() -> new IllegalStateException(
                            "no /usr/src/linux-headers-6.1.0-NN-amd64: run scripts/install-deps.sh --test "
                                    + "(installs linux-headers-amd64)"));
        }
        Path common = Path.of(arch.toString().replace("-amd64", "-common"));
        if (!Files.isDirectory(common)) {
            throw new IllegalStateException(common + " missing next to " + arch + ": reinstall linux-headers-amd64");
        }
        Path dir = merged(arch, common, arch.getFileName().toString().replace("linux-headers-", ""));
        farm = dir;
        return farm;
    }

    /**
     * The headers of a kernel pinned in scripts/vm/kernels/NAME.pin (bullseye's 5.10, trixie's
     * 6.12), as the kernel matrix's VMs get them: scripts/vm/prepare.sh --pin fetches the .debs by
     * their pinned sha256 and unpacks them into its cache (nothing is installed on the host); here
     * its -amd64 and -common trees are merged like the 6.1 ones.
     */
    static synchronized Path pinned(String name) throws IOException {
        Path prepare = null;
        for (Path p = Path.of("").toAbsolutePath(); p != null && prepare == null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("scripts/vm/prepare.sh"))) {
                prepare = p.resolve("scripts/vm/prepare.sh");
            }
        }
        if (prepare == null) {
            throw new IllegalStateException("no scripts/vm/prepare.sh above " + Path.of("").toAbsolutePath());
        }
        String vm = run(List.of(prepare.toString(), "--pin", name)).strip();
        String cacheDir = vm.lines().reduce((a, b) -> b).orElse("");
        Path release = Path.of(cacheDir, "release");
        if (!Files.isRegularFile(release)) {
            throw new IllegalStateException("scripts/vm/prepare.sh --pin " + name + " printed no cache directory: " + vm);
        }
        String rel = Files.readString(release).strip();
        Path arch = Path.of(cacheDir, "pkg/src/linux-headers-" + rel);
        Path common = Path.of(arch.toString().replaceAll("-amd64$", "-common"));
        return merged(arch, common, rel);
    }

    private static Path merged(Path arch, Path common, String rel) throws IOException {
        if (!Files.isDirectory(arch) || !Files.isDirectory(common)) {
            throw new IllegalStateException("headers " + arch + " or " + common + " missing");
        }
        Path cache = Path.of(System.getProperty("user.home"), ".cache/syndrop/bcc-headers");
        Path dir = cache.resolve(rel);
        if (!Files.isRegularFile(dir.resolve("include/linux/kconfig.h"))) {
            Files.createDirectories(cache);
            Path tmp = Files.createTempDirectory(cache, "building-");
            run(List.of("cp", "-rs", common + "/.", tmp + "/"));
            run(List.of("cp", "-rs", "--remove-destination", arch + "/.", tmp + "/"));
            if (!Files.isRegularFile(tmp.resolve("include/linux/kconfig.h"))
                    || !Files.isRegularFile(tmp.resolve("include/generated/autoconf.h"))) {
                throw new IllegalStateException("merged header tree " + tmp + " is incomplete");
            }
            try {
                Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                run(List.of("rm", "-rf", tmp.toString()));
            }
        }
        return dir;
    }

    /** Runs call with $BCC_KERNEL_SOURCE set in the process environment libbcc reads. */
    interface BccCall<T> {
        T call() throws BccException;
    }

    static <T> T withKernelSource(Path kpath, BccCall<T> call) throws BccException {
        Libc.INSTANCE.setenv("BCC_KERNEL_SOURCE", kpath.toString(), 1);
        try {
            return call.call();
        } finally {
            Libc.INSTANCE.unsetenv("BCC_KERNEL_SOURCE");
        }
    }

    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", cmd) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
