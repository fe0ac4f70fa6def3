package io.syndrop.counters;

import com.sun.jna.LastErrorException;
import io.syndrop.os.Libc;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a piece of code on a fresh thread that has joined another network namespace with setns(2).
 * Only that thread changes namespace (CLONE_NEWNET is per thread), and it ends afterwards, so the
 * rest of the JVM is never affected. Inside, /proc/thread-self/net and the net.* entries of
 * /proc/sys belong to the joined namespace.
 */
public final class NetnsThread {
    private NetnsThread() {}

    /** The calling thread's kernel id; needed on kernels before 3.17, which have no /proc/thread-self. */
    static long gettid() {
        return Libc.INSTANCE.syscall(Libc.SYS_GETTID_X86_64);
    }

    public static <T> T call(Path nsFile, Callable<T> body) throws IOException {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                enter(nsFile);
                result.set(body.call());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "syndrop-netns-reader");
        t.setDaemon(true);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + nsFile, e);
        }
        Throwable e = failure.get();
        if (e instanceof IOException io) {
            throw io;
        }
        if (e != null) {
            throw new IOException(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        }
        return result.get();
    }

    private static void enter(Path nsFile) throws IOException {
        Libc libc = Libc.INSTANCE;
        int fd;
        try {
            fd = libc.open(nsFile.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + nsFile + ": errno " + e.getErrorCode()
                    + (e.getErrorCode() == 13 ? " (permission denied: run as root)" : ""), e);
        }
        try {
            libc.setns(fd, Libc.CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new IOException("cannot enter the network namespace " + nsFile + ": setns failed with errno "
                    + e.getErrorCode() + (e.getErrorCode() == 1 ? " (needs root / CAP_SYS_ADMIN)" : ""), e);
        } finally {
            Libc.closeQuietly(fd); // the namespace is joined or not; a failed close changes nothing
        }
    }
}
