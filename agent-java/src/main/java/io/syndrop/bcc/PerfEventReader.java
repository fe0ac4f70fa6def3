package io.syndrop.bcc;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;

/**
 * Reads fixed-size records from a BPF_PERF_OUTPUT map: one BCC perf reader per online CPU,
 * its fd stored in the map at that CPU's index.
 *
 * libbcc delivers perf samples one callback per record, and through JNA each callback is a
 * native-to-Java transition (microseconds). The callback therefore does the least it can:
 * copy the record into a Java-side queue. {@link #drain} then hands out batches, as the shim's
 * syndrop_drain does for the CO-RE ring buffer. BCC's own ring-buffer calls would not save the
 * per-record crossing (their sample callback is per record too) and need 5.8+, which defeats
 * the purpose of a backend for old kernels; the perf buffer works from 4.4.
 */
final class PerfEventReader implements AutoCloseable {
    private final LibBcc lib;
    private final int recordSize;
    private final Pointer[] readers;
    private final byte[] queue;
    private final int capacity;
    private int head;
    private int count;
    private long perfLost;
    private long queueOverflow;
    private long shortRecords;
    // Held in fields: JNA callbacks must stay reachable while native code may call them.
    private final LibBcc.RawCallback rawCallback;
    private final LibBcc.LostCallback lostCallback;

    PerfEventReader(LibBcc lib, int mapFd, int recordSize, int pageCount, int queueRecords) throws BccException {
        this.lib = lib;
        this.recordSize = recordSize;
        this.capacity = queueRecords;
        this.queue = new byte[queueRecords * recordSize];
        this.rawCallback = (cookie, raw, size) -> onRecord(raw, size);
        this.lostCallback = (cookie, lost) -> perfLost += lost;
        int[] cpus;
        try {
            cpus = KernelInfo.onlineCpus();
        } catch (java.io.IOException e) {
            throw new BccException("cannot list online CPUs", e.toString(), "mount sysfs at /sys");
        }
        readers = new Pointer[cpus.length];
        Memory key = new Memory(4);
        Memory value = new Memory(4);
        try {
            for (int i = 0; i < cpus.length; i++) {
                int cpu = cpus[i];
                NativeOutputCapture.Result<Pointer> r = NativeOutputCapture.run(
                        () -> lib.bpf_open_perf_buffer(rawCallback, lostCallback, Pointer.NULL, -1, cpu, pageCount));
                if (r.value() == null) {
                    throw new BccException("cannot open the perf buffer on CPU " + cpu, r.output(),
                            "run as root; raise the locked-memory limit (ulimit -l) or lower the page count");
                }
                readers[i] = r.value();
                key.setInt(0, cpu);
                value.setInt(0, lib.perf_reader_fd(r.value()));
                if (lib.bpf_update_elem(mapFd, key, value, 0L) != 0) {
                    throw new BccException("cannot register the perf buffer of CPU " + cpu + " in the events map",
                            Errno.describe(com.sun.jna.Native.getLastError()), "run as root");
                }
            }
        } catch (BccException e) {
            close();
            throw e;
        }
    }

    private void onRecord(Pointer raw, int size) {
        if (size < recordSize) {
            shortRecords++;
            return;
        }
        if (count == capacity) {
            queueOverflow++;
            return;
        }
        int slot = (head + count) % capacity;
        raw.read(0, queue, slot * recordSize, recordSize);
        count++;
    }

    /**
     * Copies up to maxRecords records into buf (at its position, which advances), waiting up to
     * timeoutMs for the first (0 = no wait). Records that do not fit stay queued. Returns the count.
     */
    synchronized int drain(ByteBuffer buf, int maxRecords, int timeoutMs) {
        if (readers.length > 0 && readers[0] == null) {
            throw new IllegalStateException("perf reader already closed");
        }
        if (count == 0) {
            lib.perf_reader_poll(readers.length, readers, Math.max(0, timeoutMs));
        }
        int n = Math.min(Math.min(maxRecords, count), buf.remaining() / recordSize);
        for (int i = 0; i < n; i++) {
            buf.put(queue, head * recordSize, recordSize);
            head = (head + 1) % capacity;
            count--;
        }
        return n;
    }

    /** Records the kernel could not write into the perf buffers (PERF_RECORD_LOST). */
    synchronized long perfLost() {
        return perfLost;
    }

    /** Records dropped because the Java-side queue was full. */
    synchronized long queueOverflow() {
        return queueOverflow;
    }

    synchronized long shortRecords() {
        return shortRecords;
    }

    @Override
    public synchronized void close() {
        for (int i = 0; i < readers.length; i++) {
            if (readers[i] != null) {
                lib.perf_reader_free(readers[i]);
                readers[i] = null;
            }
        }
    }
}
