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
 * libsyndrop.so (with the BPF object built into it) travels inside the jar; it is copied once per
 * process into a private directory (0700, removed at exit) because dlopen needs a real file.
 */
public final class NativeBundle {
    private static final String RESOURCE_DIR = "/native/linux-x86_64/";
    private static final String LIBRARY = "libsyndrop.so";
    private static volatile NativeBundle instance;

    private final Path dir;
    private final ShimLibrary shim;

    private NativeBundle(Path dir) {
        this.dir = dir;
        this.shim = Native.load(dir.resolve(LIBRARY).toString(), ShimLibrary.class,
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

    /** The unpacked libsyndrop.so. */
    public Path library() {
        return dir.resolve(LIBRARY);
    }

    private static Path extract() {
        try {
            Path dir = Files.createTempDirectory("syndrop-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            try (InputStream in = NativeBundle.class.getResourceAsStream(RESOURCE_DIR + LIBRARY)) {
                if (in == null) {
                    throw new IllegalStateException("this syndrop jar lacks " + RESOURCE_DIR + LIBRARY
                            + ": it was built without the native module; rebuild with mvn package");
                }
                Files.copy(in, dir.resolve(LIBRARY), StandardCopyOption.REPLACE_EXISTING);
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
