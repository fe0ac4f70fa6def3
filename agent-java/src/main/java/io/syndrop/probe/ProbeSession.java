package io.syndrop.probe;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import io.syndrop.event.EventLayout;
import io.syndrop.filter.NetnsAllowList;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Attached CO-RE programs of one mode and their ring buffer. Not thread-safe: one thread drains;
 * {@link #close()} may come from another thread (a signal handler) and waits for the drain to
 * return, so the shim never frees memory under a running drain.
 */
public final class ProbeSession implements KernelProbe {
    /** Per-program slots of the loss counters (enum syndrop_prog_slot). */
    public static final List<String> SLOT_NAMES = List.of("ring buffer full at kfree_skb",
            "ring buffer full at conn_request", "ring buffer full at timewait", "ring buffer full at syn_recv_sock");

    private final ShimLibrary shim;
    private final AttachMode mode;
    private final Object lock = new Object();
    // wake() must not wait for a running drain (it is what ends it), so it does not take `lock`;
    // wakeLock only keeps close() from freeing the handle under a wake-up.
    private final Object wakeLock = new Object();
    // The summary reader's thread reads the storm map while the drain waits in `lock`.
    private final Object stormLock = new Object();
    private volatile Pointer handle;
    private final boolean workloadFilter;

    private ProbeSession(ShimLibrary shim, AttachMode mode, Pointer handle, boolean workloadFilter) {
        this.shim = shim;
        this.mode = mode;
        this.handle = handle;
        this.workloadFilter = workloadFilter;
    }

    /** Loads and attaches the programs of {@code mode}; throws with the kernel's words and advice. */
    public static ProbeSession open(AttachMode mode, ShimOptions opts) throws ProbeException {
        if (!mode.usesShim()) {
            throw new IllegalArgumentException(mode + " is not a CO-RE mode");
        }
        NativeBundle bundle = NativeBundle.get();
        opts.mode = mode.shimMode;
        IntByReference err = new IntByReference();
        byte[] msg = new byte[16384];
        Pointer h = bundle.shim().syndrop_open(opts, err, msg, msg.length);
        if (h == null) {
            String text = cString(msg);
            int errno = -err.getValue();
            throw new ProbeException(mode.name().toLowerCase() + ": " + text, errno,
                    ErrorAdvisor.advise(mode, errno, text, Privileges.isRoot()));
        }
        return new ProbeSession(bundle.shim(), mode, h, opts.workloadNetns != 0);
    }

    @Override
    public AttachMode mode() {
        return mode;
    }

    /**
     * Copies up to buf.capacity()/128 events into {@code buf} (direct, little-endian), waiting up to
     * timeoutMs for the first. Returns the number of events; 0 after close.
     */
    @Override
    public int drain(ByteBuffer buf, int timeoutMs) {
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("drain needs a direct buffer");
        }
        synchronized (lock) {
            if (handle == null) {
                return 0;
            }
            int n = shim.syndrop_drain(handle, buf, buf.capacity() / EventLayout.SIZE, timeoutMs);
            if (n < 0) {
                throw new IllegalStateException("draining the ring buffer failed: errno " + (-n));
            }
            return n;
        }
    }

    @Override
    public List<String> lossPlaces() {
        return SLOT_NAMES;
    }

    /** Events lost at ring-buffer reserve since attach, per program slot ({@link #SLOT_NAMES}). */
    @Override
    public long[] lost() {
        long[] out = new long[SLOT_NAMES.size()];
        synchronized (lock) {
            if (handle != null) {
                int n = shim.syndrop_lost(handle, out, out.length);
                if (n < 0) {
                    throw new IllegalStateException("reading the loss counters failed: errno " + (-n));
                }
            }
        }
        return out;
    }


    /** The attached programs, with run counts (run time needs kernel.bpf_stats_enabled=1). */
    @Override
    public List<ProgramStats> programs() {
        byte[] buf = new byte[8192];
        synchronized (lock) {
            if (handle == null) {
                return List.of();
            }
            shim.syndrop_programs(handle, buf, buf.length);
        }
        List<ProgramStats> out = new ArrayList<>();
        for (String line : cString(buf).split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length == 4) {
                out.add(new ProgramStats(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3])));
            }
        }
        return out;
    }

    /** The load-time settings as the kernel holds them (the programs' .rodata), read back after attach. */
    LoadedConfig loadedConfig() {
        LoadedConfig c = new LoadedConfig();
        synchronized (lock) {
            if (handle == null) {
                throw new IllegalStateException("session closed");
            }
            int n = shim.syndrop_loaded_config(handle, c, c.size());
            if (n < 0) {
                throw new IllegalStateException("reading the programs' settings back failed: errno " + (-n));
            }
            if (n != c.size()) {
                throw new IllegalStateException("struct syndrop_config is " + n + " bytes in C, " + c.size()
                        + " in LoadedConfig: update LoadedConfig to bpf/syndrop.h");
            }
        }
        c.read();
        return c;
    }

    @Override
    public Optional<NetnsAllowList> workloadNetns() {
        return workloadFilter ? Optional.of(new WorkloadMap()) : Optional.empty();
    }

    /**
     * The workload_netns map through the shim. Updates take {@code wakeLock}, not {@code lock}: a
     * drain holds that while it waits, and the resolver thread must not wait for drops to arrive.
     */
    private final class WorkloadMap implements NetnsAllowList {
        @Override
        public void allow(Collection<Long> inos) {
            update(inos, 1);
        }

        @Override
        public void disallow(Collection<Long> inos) {
            update(inos, 0);
        }

        private void update(Collection<Long> inos, int allow) {
            if (inos.isEmpty()) {
                return;
            }
            long[] a = inos.stream().mapToLong(Long::longValue).toArray();
            synchronized (wakeLock) {
                if (handle == null) {
                    return;
                }
                int n = shim.syndrop_workload_update(handle, a, a.length, allow);
                if (n < 0) {
                    throw new IllegalStateException((allow == 1 ? "adding to" : "removing from")
                            + " the kernel's workload namespace map failed: errno " + (-n)
                            + (n == -7 ? " (it holds " + MAX_ENTRIES + " namespaces at most)" : ""));
                }
            }
        }

        @Override
        public Set<Long> contents() {
            long[] buf = new long[MAX_ENTRIES];
            int n;
            synchronized (wakeLock) {
                if (handle == null) {
                    return Set.of();
                }
                n = shim.syndrop_workload_list(handle, buf, buf.length);
            }
            if (n < 0) {
                throw new IllegalStateException("reading the kernel's workload namespace map failed: errno " + (-n));
            }
            Set<Long> out = new HashSet<>();
            for (int i = 0; i < Math.min(n, buf.length); i++) {
                out.add(buf[i]);
            }
            return out;
        }
    }

    @Override
    public int readStorm(ByteBuffer buf, long[] epochNs) {
        if (!buf.isDirect()) {
            throw new IllegalArgumentException("readStorm needs a direct buffer");
        }
        synchronized (stormLock) {
            Pointer h = handle;
            if (h == null) {
                return 0;
            }
            com.sun.jna.ptr.LongByReference epoch = new com.sun.jna.ptr.LongByReference();
            int n = shim.syndrop_storm_read(h, buf, buf.capacity() / StormEntries.SIZE, epoch);
            if (n == -61) { // -ENODATA: loaded with summaries off
                return -1;
            }
            if (n < 0) {
                throw new IllegalStateException("reading the storm map failed: errno " + (-n));
            }
            epochNs[0] = epoch.getValue();
            return n;
        }
    }

    @Override
    public void wake() {
        synchronized (wakeLock) {
            Pointer h = handle;
            if (h != null) {
                shim.syndrop_wake(h);
            }
        }
    }

    /** Detaches and unloads everything. Idempotent. A drain waiting in another thread is woken first. */
    @Override
    public void close() {
        wake();
        synchronized (lock) {
            synchronized (wakeLock) {
                synchronized (stormLock) {
                    if (handle != null) {
                        shim.syndrop_close(handle);
                        handle = null;
                    }
                }
            }
        }
    }

    static String cString(byte[] b) {
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8).trim();
    }

    /** One attached program: name, section, how often it ran and for how long in total. */
    public record ProgramStats(String name, String section, long runCount, long runTimeNs) {}
}
