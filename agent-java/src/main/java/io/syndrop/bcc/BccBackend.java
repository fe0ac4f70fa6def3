package io.syndrop.bcc;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * syndrop's probes through BCC, for kernels without BTF: compiles bpf/syndrop_bcc.c on the node,
 * loads its kprobes, attaches them where this kernel has the functions, and hands out events
 * as 256-byte struct syndrop_event records, the same bytes the CO-RE path delivers, so one
 * decoder serves both.
 */
public final class BccBackend implements AutoCloseable {
    /** Same as SYNDROP_EVENT_SIZE in bpf/syndrop.h. */
    public static final int EVENT_SIZE = 256;
    /** Same as SYNDROP_SLOT_MAX. */
    public static final int SLOT_MAX = 8;

    static final String CONN_REQUEST = "tcp_conn_request";
    static final String V4_CONN_REQUEST = "tcp_v4_conn_request";
    static final String V6_CONN_REQUEST = "tcp_v6_conn_request";
    static final String PEER_IS_PROVEN = "tcp_peer_is_proven";
    static final String TIMEWAIT = "tcp_timewait_state_process";
    static final String V4_SYN_RECV_SOCK = "tcp_v4_syn_recv_sock";
    static final String V6_SYN_RECV_SOCK = "tcp_v6_syn_recv_sock";
    static final String TCPM_HASH = "tcp_metrics_hash";
    static final String TCPM_HASH_LOG = "tcp_metrics_hash_log";
    static final String PER_CPU_OFFSET = "__per_cpu_offset";

    /** workloadNetns: only drops in the namespaces of {@link #workloadNetns()} (a workload filter). */
    public record Options(int reasonMask, long netnsIno, int perfPagesPerCpu, int queueRecords, boolean workloadNetns,
                          BccProgram.Storm storm) {
        public Options(int reasonMask, long netnsIno, int perfPagesPerCpu, int queueRecords) {
            this(reasonMask, netnsIno, perfPagesPerCpu, queueRecords, false, BccProgram.Storm.OFF);
        }

        public static Options defaults() {
            return new Options(0, 0, 64, 65536);
        }
    }

    /** Sizes of struct syndrop_storm_key / _value (bpf/syndrop_storm.h). */
    static final int STORM_KEY = 32;
    static final int STORM_VALUE = 40;
    private static final long BPF_NOEXIST = 1;

    /** One planned attachment: program function, kernel function, entry or return. */
    record Probe(String program, String kernelFunction, boolean isReturn, boolean required) {
    }

    private final LibBcc lib;
    private final BccModule module;
    private final List<KprobeAttachment> attachments;
    private final PerfEventReader reader;
    private final int lostFd;
    private final BccNetnsMap workloadNetns;
    private int stormFd = -1;
    private int stormEpochFd = -1;

    private BccBackend(LibBcc lib, BccModule module, List<KprobeAttachment> attachments, PerfEventReader reader,
                       int lostFd, BccNetnsMap workloadNetns) {
        this.lib = lib;
        this.module = module;
        this.attachments = attachments;
        this.reader = reader;
        this.lostFd = lostFd;
        this.workloadNetns = workloadNetns;
    }

    /** One overflow key per reason, before anything is attached: a full map then never evicts (syndrop_storm.h). */
    private static void insertOverflowKeys(LibBcc lib, int fd) throws BccException {
        Memory key = new Memory(STORM_KEY);
        Memory zero = new Memory(STORM_VALUE);
        zero.clear();
        for (int r = 0; r < BccProgram.Storm.REASONS; r++) {
            key.clear();
            key.setByte(30, (byte) r);
            key.setByte(31, (byte) 0x2); // SYNDROP_STORM_OVERFLOW
            if (lib.bpf_update_elem(fd, key, zero, BPF_NOEXIST) != 0) {
                throw new BccException("inserting the storm map's overflow keys failed", "reason " + r,
                        "report this as a bug; --summary-interval 0 runs without storm summaries");
            }
        }
    }

    /**
     * Copies every storm_counts entry (key then value, 72 bytes) into buf after setting storm_epoch
     * to now (CLOCK_MONOTONIC, as bpf_ktime_get_ns). Returns the entry count, or -1 when the program
     * was compiled with summaries off.
     */
    public int readStorm(ByteBuffer buf, long[] epochNs) {
        if (stormFd < 0) {
            return -1;
        }
        long now = System.nanoTime();
        Memory zero = new Memory(4);
        zero.setInt(0, 0);
        Memory epoch = new Memory(8);
        epoch.setLong(0, now);
        lib.bpf_update_elem(stormEpochFd, zero, epoch, 0);
        epochNs[0] = now;
        Memory key = new Memory(STORM_KEY);
        Memory next = new Memory(STORM_KEY);
        Memory value = new Memory(STORM_VALUE);
        key.clear();
        key.setByte(30, (byte) 0xff); // no such reason: get_next_key starts at the first key (4.9 has no NULL start)
        int n = 0;
        while (buf.remaining() >= STORM_KEY + STORM_VALUE && lib.bpf_get_next_key(stormFd, key, next) == 0) {
            if (lib.bpf_lookup_elem(stormFd, next, value) == 0) {
                buf.put(next.getByteArray(0, STORM_KEY));
                buf.put(value.getByteArray(0, STORM_VALUE));
                n++;
            }
            key.write(0, next.getByteArray(0, STORM_KEY), 0, STORM_KEY);
        }
        return n;
    }

    public static BccAvailability availability() {
        return BccAvailability.probe();
    }

    public static BccBackend open(Options options) throws BccException {
        LibBcc lib;
        try {
            lib = LibBcc.load();
        } catch (UnsatisfiedLinkError e) {
            throw new BccException("libbcc does not load", e.getMessage(),
                    "install it: apt-get install libbpfcc (Debian/Ubuntu) or yum install bcc (RHEL)");
        }
        Map<String, Long> syms;
        try {
            syms = KernelInfo.kallsyms(Set.of(CONN_REQUEST, V4_CONN_REQUEST, V6_CONN_REQUEST, PEER_IS_PROVEN, TIMEWAIT,
                    V4_SYN_RECV_SOCK, V6_SYN_RECV_SOCK, TCPM_HASH, TCPM_HASH_LOG, PER_CPU_OFFSET));
        } catch (IOException e) {
            throw new BccException("cannot read /proc/kallsyms", e.toString(), "mount procfs at /proc and run as root");
        }
        List<String> missing = missingRequired(syms.keySet());
        if (!missing.isEmpty()) {
            throw new BccException("this kernel lacks functions syndrop's BCC probes attach to", String.join(", ", missing),
                    "check /proc/kallsyms (as root); kernel " + KernelInfo.release() + " may be too old or too new for "
                            + "the BCC backend, try the CO-RE backend or counters");
        }
        BccProgram.Settings settings = new BccProgram.Settings(options.reasonMask(), options.netnsIno(),
                syms.getOrDefault(TCPM_HASH, 0L), syms.getOrDefault(TCPM_HASH_LOG, 0L), syms.getOrDefault(PER_CPU_OFFSET, 0L),
                options.workloadNetns(), options.storm());
        List<String> cflags = new ArrayList<>(BccProgram.cflags(settings));
        cflags.addAll(NetHashMix.cflags(BccAvailability.headersDir(System.getenv("BCC_KERNEL_SOURCE"), KernelInfo.release())));
        BccModule module = BccModule.compile(lib, BccProgram.text(), cflags);
        List<KprobeAttachment> attached = new ArrayList<>();
        PerfEventReader reader = null;
        try {
            int stormFd = -1;
            int stormEpochFd = -1;
            if (options.storm().on()) {
                stormFd = module.tableFd("storm_counts");
                stormEpochFd = module.tableFd("storm_epoch");
                insertOverflowKeys(lib, stormFd);
            }
            for (Probe p : plan(syms.keySet())) {
                if (!syms.containsKey(p.kernelFunction())) {
                    continue;
                }
                int fd = module.load(p.program(), LibBcc.BPF_PROG_TYPE_KPROBE);
                attached.add(KprobeAttachment.attach(lib, fd, p.kernelFunction(), p.isReturn()));
            }
            reader = new PerfEventReader(lib, module.tableFd("events"), EVENT_SIZE, options.perfPagesPerCpu(),
                    options.queueRecords());
            BccBackend b = new BccBackend(lib, module, attached, reader, module.tableFd("lost"),
                    options.workloadNetns() ? new BccNetnsMap(lib, module.tableFd(BccNetnsMap.TABLE)) : null);
            b.stormFd = stormFd;
            b.stormEpochFd = stormEpochFd;
            return b;
        } catch (BccException | RuntimeException e) {
            if (reader != null) {
                reader.close();
            }
            attached.forEach(KprobeAttachment::close);
            module.close();
            throw e;
        }
    }

    /**
     * Which program goes where on a kernel with these symbols. Kernels since 3.17 run both
     * families through tcp_conn_request(); older ones only have the per-family functions, whose
     * arguments sit in other registers, hence a second entry program. Required probes missing
     * from the kernel make {@link #open} fail.
     */
    static List<Probe> plan(Set<String> kernelSymbols) {
        List<Probe> plan = new ArrayList<>();
        if (kernelSymbols.contains(CONN_REQUEST)) {
            plan.add(new Probe("conn_request_entry", CONN_REQUEST, false, true));
            plan.add(new Probe("conn_request_return", CONN_REQUEST, true, true));
        } else {
            plan.add(new Probe("af_conn_request_entry", V4_CONN_REQUEST, false, true));
            plan.add(new Probe("conn_request_return", V4_CONN_REQUEST, true, true));
            plan.add(new Probe("af_conn_request_entry", V6_CONN_REQUEST, false, false));
            plan.add(new Probe("conn_request_return", V6_CONN_REQUEST, true, false));
        }
        plan.add(new Probe("peer_is_proven_entry", PEER_IS_PROVEN, false, true));
        plan.add(new Probe("peer_is_proven_return", PEER_IS_PROVEN, true, true));
        plan.add(new Probe("timewait_entry", TIMEWAIT, false, true));
        plan.add(new Probe("syn_recv_sock_entry", V4_SYN_RECV_SOCK, false, true));
        // ipv6 may be a module that is not loaded: then there is nothing to watch there.
        plan.add(new Probe("syn_recv_sock_entry", V6_SYN_RECV_SOCK, false, false));
        return plan;
    }

    /** Which required kernel functions are absent (for error messages and doctor). */
    static List<String> missingRequired(Set<String> kernelSymbols) {
        List<String> missing = new ArrayList<>();
        for (Probe p : plan(kernelSymbols)) {
            if (p.required() && !kernelSymbols.contains(p.kernelFunction()) && !missing.contains(p.kernelFunction())) {
                missing.add(p.kernelFunction());
            }
        }
        return missing;
    }

    /**
     * Copies up to maxEvents events (EVENT_SIZE bytes each, struct syndrop_event) into buf at its
     * position, waiting up to timeoutMs for the first one (0 = no wait). Returns the number copied;
     * events that do not fit stay for the next call. Mirrors the shim's syndrop_drain().
     */
    public int drain(ByteBuffer buf, int maxEvents, int timeoutMs) {
        return reader.drain(buf, maxEvents, timeoutMs);
    }

    /** Events the BPF side could not submit (perf buffer full), per program slot (enum syndrop_prog_slot). */
    public long[] lostPerSlot() {
        long[] out = new long[SLOT_MAX];
        Memory key = new Memory(4);
        Memory value = new Memory(8);
        for (int slot = 0; slot < SLOT_MAX; slot++) {
            key.setInt(0, slot);
            value.setLong(0, 0);
            if (lib.bpf_lookup_elem(lostFd, key, value) == 0) {
                out[slot] = value.getLong(0);
            }
        }
        return out;
    }

    /** Records the kernel reported lost in the perf buffers (all programs together). */
    public long perfLost() {
        return reader.perfLost();
    }

    /** Records dropped in user space because the drain queue was full (the reader fell behind). */
    public long queueOverflow() {
        return reader.queueOverflow();
    }

    /** The workload filter's namespace map, when opened with {@link Options#workloadNetns()}; else null. */
    public BccNetnsMap workloadNetns() {
        return workloadNetns;
    }

    public List<String> attached() {
        return attachments.stream().map(KprobeAttachment::toString).toList();
    }

    @Override
    public void close() {
        if (workloadNetns != null) {
            workloadNetns.close();
        }
        for (KprobeAttachment a : attachments) {
            a.close();
        }
        reader.close();
        module.close();
    }
}
