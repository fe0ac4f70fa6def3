package io.syndrop.probe;

import com.sun.jna.Native;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The BPF object and libsyndrop.so travel inside the jar; they are copied once per process into a
 * private directory (0700, removed at exit) because dlopen and libbpf need real files.
 */
public final class NativeBundle {
    private static final String RESOURCE_DIR = "/native/linux-x86_64/";
    private static volatile NativeBundle instance;

    private final Path dir;
    private final ShimLibrary shim;

    private NativeBundle(Path dir) {
        this.dir = dir;
        this.shim = Native.load(dir.resolve("libsyndrop.so").toString(), ShimLibrary.class,
                Map.of());
    }

    public static NativeBundle get() {
        NativeBundle b = instance;
        if (b == null) {
            synchronized (NativeBundle.class) {
                b = instance;
                if (b == null) {
                    b = new NativeBundle(extract());
                    instance = b;
                }
            }
        }
        return b;
    }

    ShimLibrary shim() {
        return shim;
    }

    public Path bpfObject() {
        return dir.resolve("syndrop.bpf.o");
    }

    private static Path extract() {
        try {
            Path dir = Files.createTempDirectory("syndrop-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (String name : new String[] {"libsyndrop.so", "syndrop.bpf.o"}) {
                try (InputStream in = NativeBundle.class.getResourceAsStream(RESOURCE_DIR + name)) {
                    if (in == null) {
                        throw new IllegalStateException("this syndrop jar lacks " + RESOURCE_DIR + name
                                + ": it was built without the native module; rebuild with mvn package");
                    }
                    Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "syndrop-native-cleanup"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack syndrop's native parts into the temp directory "
                    + "(set -Djava.io.tmpdir to a writable, exec-allowed directory)", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
