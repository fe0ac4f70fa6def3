package io.syndrop.bcc;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import io.syndrop.os.Libc;

/**
 * libbcc reports through stdout/stderr, not through its API: "Unable to find kernel headers"
 * goes to std::cout, clang's diagnostics and attach failures to stderr. To hand those words to
 * the user inside an error, file descriptor 2 (and for the compile, 1) is pointed at a
 * temporary file for the duration of one call. This is process-wide, so other threads' output
 * in that window lands in the capture too; the calls wrapped here (compile, load, attach)
 * happen once, at start-up. stdout is only taken when asked, since it may carry a protocol.
 */
final class NativeOutputCapture {
    private static final Object LOCK = new Object();

    record Result<T>(T value, String output) {
    }

    private NativeOutputCapture() {
    }

    /** Captures stderr only. */
    static <T> Result<T> run(Supplier<T> call) {
        return run(false, call);
    }

    static <T> Result<T> run(boolean stdoutToo, Supplier<T> call) {
        synchronized (LOCK) {
            Libc libc = Libc.INSTANCE;
            Path file;
            try {
                file = Files.createTempFile("syndrop-bcc-", ".log");
            } catch (IOException e) {
                return new Result<>(call.get(), "");
            }
            try {
                System.out.flush();
                System.err.flush();
                libc.fflush(Pointer.NULL);
                int fd = libc.open(file.toString(), Libc.O_WRONLY | Libc.O_TRUNC, 0600);
                if (fd < 0) {
                    return new Result<>(call.get(), "");
                }
                int savedOut = stdoutToo ? libc.dup(1) : -1;
                int savedErr = libc.dup(2);
                if (stdoutToo) {
                    libc.dup2(fd, 1);
                }
                libc.dup2(fd, 2);
                Libc.closeQuietly(fd);
                T value;
                try {
                    value = call.get();
                } finally {
                    libc.fflush(Pointer.NULL);
                    if (stdoutToo) {
                        libc.dup2(savedOut, 1);
                        Libc.closeQuietly(savedOut);
                    }
                    libc.dup2(savedErr, 2);
                    Libc.closeQuietly(savedErr);
                }
                return new Result<>(value, Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("reading libbcc's captured output from " + file + ": " + e, e);
            } finally {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover empty temp file is harmless
                }
            }
        }
    }
}
