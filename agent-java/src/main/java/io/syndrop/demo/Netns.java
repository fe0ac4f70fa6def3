package io.syndrop.demo;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import io.syndrop.os.Libc;

/**
 * One network namespace made by the test bed. Shell commands run in it through
 * {@code ip netns exec}; Java code runs in it on threads that entered it with setns(2), so
 * sockets those threads create (ServerSocket, Socket, SocketChannel, raw sockets) belong to it.
 * A socket stays in its namespace for life and may be used from any thread afterwards.
 */
public final class Netns implements AutoCloseable {
    public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final long inode;
    private final ExecutorService threads;
    private final ThreadLocal<Boolean> entered = ThreadLocal.withInitial(() -> false);
    private volatile boolean closed;

    private Netns(String name) {
        this.name = name;
        this.inode = statInode(path());
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "netns-" + name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        this.threads = Executors.newCachedThreadPool(tf);
    }

    /**
     * Creates a namespace named {@code sdt-<pid>-<n>-<role>} with loopback up. First sweeps
     * leftovers of dead JVMs. Fails loudly when not root.
     */
    public static Netns create(String role) {
        Root.require();
        Leftovers.sweep();
        String name = Leftovers.newName(role);
        Leftovers.register(name);
        try {
            Shell.check("ip", "netns", "add", name);
            Netns ns = new Netns(name);
            ns.exec("ip", "link", "set", "lo", "up").orThrow();
            // No IPv6 duplicate address detection: link-local addresses of new veths would stay
            // tentative for about a second and delay the first neighbour discovery.
            ns.sysctl(Map.of("net.ipv6.conf.default.accept_dad", "0", "net.ipv6.conf.all.accept_dad", "0"));
            return ns;
        } catch (RuntimeException e) {
            Leftovers.delete(name);
            throw e;
        }
    }

    /**
     * Names the network namespace of a running process ({@code ip netns attach}), for namespaces
     * the test bed did not make, such as a Docker container's ({@code --network none}): Docker,
     * unlike {@code ctr run --with-ns}, cannot join a namespace made beforehand. Closing removes
     * the name; the bind mount behind it keeps the namespace alive until then, even after the
     * process is gone, so drops can still be sent into it.
     */
    public static Netns attach(String role, long pid) {
        Root.require();
        Leftovers.sweep();
        String name = Leftovers.newName(role);
        Leftovers.register(name);
        try {
            Shell.check("ip", "netns", "attach", name, Long.toString(pid));
            return new Netns(name);
        } catch (RuntimeException e) {
            Leftovers.delete(name);
            throw e;
        }
    }

    public String name() {
        return name;
    }

    /** The bind mount iproute2 keeps for the namespace; its fd is what setns(2) takes. */
    public Path path() {
        return Leftovers.NETNS_DIR.resolve(name);
    }

    /** The namespace's inode number, as in /proc/PID/ns/net ("net:[inode]") and syndrop's events. */
    public long inode() {
        return inode;
    }

    /** Runs a command inside the namespace with the default timeout; never throws on exit code. */
    public ExecResult exec(String... command) {
        return exec(Shell.DEFAULT_TIMEOUT, List.of(command));
    }

    public ExecResult exec(Duration timeout, List<String> command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(command);
        return Shell.run(timeout, full);
    }

    /** Sets one sysctl inside the namespace, e.g. ("net.ipv4.tcp_timestamps", "1"). */
    public void sysctl(String key, String value) {
        sysctl(Map.of(key, value));
    }

    public void sysctl(Map<String, String> settings) {
        if (settings.isEmpty()) {
            return;
        }
        List<String> cmd = new ArrayList<>(List.of("sysctl", "-q", "-w"));
        new LinkedHashMap<>(settings).forEach((k, v) -> cmd.add(k + "=" + v));
        exec(Shell.DEFAULT_TIMEOUT, cmd).orThrow();
    }

    /** Reads one sysctl as seen inside the namespace. */
    public String sysctlValue(String key) {
        return readProc("/proc/sys/" + key.replace('.', '/')).strip();
    }

    /** Runs code on a thread inside the namespace and returns its result. */
    public <T> T call(Callable<T> code) throws Exception {
        return call(DEFAULT_CALL_TIMEOUT, code);
    }

    public <T> T call(Duration timeout, Callable<T> code) throws Exception {
        Future<T> f = threads.submit(() -> {
            enterOnThisThread();
            return code.call();
        });
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new TimeoutException("code in namespace " + name + " did not finish within " + timeout);
        }
    }

    /** Like {@link #call} for code that throws nothing checked, e.g. reading a file. */
    public <T> T callUnchecked(Callable<T> code) {
        try {
            return call(code);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("code in namespace " + name + " failed: " + e, e);
        }
    }

    /**
     * Starts long-running code (a server loop) on its own thread inside the namespace. Cancel the
     * returned future, or close the socket the code blocks on, to stop it; closing the namespace
     * interrupts it too.
     */
    public Future<?> start(Runnable code) {
        return threads.submit(() -> {
            enterOnThisThread();
            code.run();
            return null;
        });
    }

    /**
     * Reads a /proc file as this namespace sees it: /proc/net/... paths are read through
     * /proc/thread-self/net on a thread inside the namespace (/proc/self would name the main
     * thread, which stays in the host namespace); /proc/sys/net/... resolves per thread as well.
     */
    public String readProc(String path) {
        String p = path.startsWith("/proc/net/") ? "/proc/thread-self/net/" + path.substring("/proc/net/".length()) : path;
        return callUnchecked(() -> readWholeProcFile(p));
    }

    /**
     * Files.readString is wrong for /proc/sys: it reads the size-0 file one byte first, and the
     * kernel's integer sysctl handlers return nothing for a read at a non-zero offset, so "16"
     * came back as "1". One large read gets the whole value; seq files (/proc/net) just continue.
     */
    static String readWholeProcFile(String path) throws IOException {
        try (java.io.FileInputStream in = new java.io.FileInputStream(path)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf, 0, buf.length)) > 0; ) {
                out.write(buf, 0, n);
            }
            return out.toString(java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private void enterOnThisThread() throws IOException {
        if (entered.get()) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("namespace " + name + " is closed");
        }
        int fd;
        try {
            fd = Libc.INSTANCE.open(path().toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("cannot open " + path() + " (errno " + e.getErrorCode() + "); was the namespace deleted?", e);
        }
        try {
            Libc.INSTANCE.setns(fd, Libc.CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new IOException("setns(" + path() + ", CLONE_NEWNET) failed with errno " + e.getErrorCode()
                    + "; the test bed needs root (CAP_SYS_ADMIN)", e);
        } finally {
            Libc.INSTANCE.close(fd);
        }
        // Never let code run in the wrong namespace: check what the kernel says this thread is in.
        String link = Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
        if (!link.equals("net:[" + inode + "]")) {
            throw new IllegalStateException("thread entered " + link + " instead of namespace " + name + " (inode " + inode + ")");
        }
        entered.set(true);
    }

    private static long statInode(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stat " + p, e);
        }
    }

    /** Stops the namespace's threads and deletes the namespace (its veth ends and iptables rules go with it). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        threads.shutdownNow();
        Leftovers.delete(name);
    }

    @Override
    public String toString() {
        return name + " (net:[" + inode + "])";
    }
}
