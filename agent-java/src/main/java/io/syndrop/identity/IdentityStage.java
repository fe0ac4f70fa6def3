package io.syndrop.identity;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.syndrop.event.EventEnricher;
import io.syndrop.filter.NetnsAllowList;
import io.syndrop.filter.WorkloadFilter;
import io.syndrop.proto.v1.DropEvent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Names who dropped each SYN, between the drain and the consumers. On the drain thread it only
 * reads bounded caches: an event whose listener is known gets its process, container and pod; one
 * that is not yet known flows at once with what the kernel said (listener inode, netns), and its
 * inode is queued for the resolver thread, which scans /proc for the socket's owner and asks the
 * {@link ContainerLookup}, so the listener's later drops are named.
 *
 * <p>Why not wait a few ms for the answer: a /proc scan on a busy node takes longer than that, a
 * runtime API longer still, and a waiting stage would need its own queue between the drain and the
 * consumers, a new place where events could be lost under a flood. Drops come in bursts from the
 * same listener, so naming from the second one on loses little.
 *
 * <p>Rate limits: at most one /proc scan per {@link #MIN_SCAN_INTERVAL} (one scan answers every
 * inode queued meanwhile), an inode no process holds is not looked for again for
 * {@link #NOT_FOUND_TTL}, and a known identity is re-read after {@link #KNOWN_TTL} (pids and
 * containers come and go; the socket inode itself is not reused while the socket is open).
 */
public final class IdentityStage implements EventEnricher, AutoCloseable {
    static final int MAX_ENTRIES = 16_384;
    static final int MAX_PENDING = 1024;
    static final Duration MIN_SCAN_INTERVAL = Duration.ofMillis(200);
    static final Duration NOT_FOUND_TTL = Duration.ofSeconds(5);
    static final Duration KNOWN_TTL = Duration.ofSeconds(30);
    /**
     * How often the resolver asks the container lookup again about each namespace it has named:
     * a pod removed while its namespace still sees drops (TIME-WAIT, closed ports) must stop
     * naming them. The lookup answers a still-valid entry from /proc, without the runtime.
     */
    static final Duration NETNS_RECHECK = Duration.ofSeconds(1);
    /**
     * How often the kernel's workload namespace map is recomputed (runtimes re-listed, /proc read for
     * a process filter): a pod started meanwhile is seen by the kernel after at most this long.
     */
    static final Duration KERNEL_FILTER_REFRESH = Duration.ofSeconds(1);

    private final ProcSockets proc;
    private final ContainerLookup containers;
    private final Consumer<String> warn;
    private final Cache<Long, Identity> byListener = cache(KNOWN_TTL);
    private final Cache<Long, Boolean> listenerNotFound = cache(NOT_FOUND_TTL);
    private final Cache<Long, ContainerInfo> byNetns = cache(KNOWN_TTL);
    private final Cache<Long, Boolean> netnsNotFound = cache(NOT_FOUND_TTL);
    private final ConcurrentHashMap<Identity, byte[]> encodedIdentities = new ConcurrentHashMap<>();
    private volatile LastWire lastWire;
    private final Set<Long> pendingListeners = ConcurrentHashMap.newKeySet();
    private final Set<Long> pendingNetns = ConcurrentHashMap.newKeySet();
    private final Semaphore work = new Semaphore(0);
    private final AtomicLong scans = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final Thread resolver;
    /** The receiving device's name, resolved the same way: from caches here, by its own thread. */
    private final InterfaceNames interfaces;
    private volatile boolean closed;
    private volatile int unreadableWarned = -1;
    private final ProcFiles procFiles;
    private final Object kernelLock = new Object();
    private volatile KernelReduction kernel;
    private Set<Long> inKernel = Set.of();
    private Set<Long> kernelReported;
    private volatile long kernelFilled;

    /** A workload filter reduced to network namespaces in the kernel's map. */
    private record KernelReduction(WorkloadFilter filter, NetnsAllowList map) {
    }

    /**
     * @param proc       where /proc is (the node's, with hostPID in a pod)
     * @param containers the container runtime resolver; this stage closes it
     * @param warn       receives one line whenever resolution is degraded (e.g. /proc/PID/fd unreadable)
     */
    public IdentityStage(Path proc, ContainerLookup containers, Consumer<String> warn) {
        this.proc = new ProcSockets(proc);
        this.procFiles = new ProcFiles(proc);
        this.containers = containers;
        this.warn = warn;
        this.interfaces = new InterfaceNames(proc, io.syndrop.os.NetnsTarget.NETNS_RUN_DIR, warn);
        this.resolver = new Thread(this::resolveLoop, "syndrop-identity");
        resolver.setDaemon(true);
        resolver.start();
    }

    /**
     * What watch, agent and doctor use: the node's /proc and its container runtimes at their
     * default sockets (containerd, Docker; one that is not there just names nothing), warnings to stderr.
     */
    public static IdentityStage forNode() {
        return forNode(ContainerRuntimeSockets.defaults());
    }

    /** The node's /proc and its container runtimes at these sockets. */
    public static IdentityStage forNode(ContainerRuntimeSockets sockets) {
        return forNode(sockets, System.err);
    }

    /** The node's /proc and its container runtimes at these sockets, warnings to {@code err}. */
    public static IdentityStage forNode(ContainerRuntimeSockets sockets, java.io.PrintStream err) {
        return start(RuntimeContainerLookup.open(sockets), line -> err.println("syndrop: " + line));
    }

    /** The node's /proc. */
    public static IdentityStage start(ContainerLookup containers, Consumer<String> warn) {
        return new IdentityStage(Path.of("/proc"), containers, warn);
    }

    private static <V> Cache<Long, V> cache(Duration ttl) {
        return CacheBuilder.newBuilder().maximumSize(MAX_ENTRIES).expireAfterWrite(ttl).build();
    }

    @Override
    public void enrich(DropEvent.Builder e) {
        interfaces.enrich(e);
        Identity id = lookup(e.getListenerIno(), e.getNetnsIno());
        if (id != null) {
            id.applyTo(e);
        }
    }

    @Override
    public boolean enrichesWire() {
        return true;
    }

    /** As {@link #enrich}, as bytes: each identity is encoded once (see {@link #wire(Identity)}). */
    @Override
    public byte[] identityWire(long listenerIno, long netnsIno) {
        Identity id = lookup(listenerIno, netnsIno);
        return id == null ? NO_FIELDS : wire(id);
    }

    @Override
    public byte[] ifnameWire(long netnsIno, int ifindex) {
        return interfaces.ifnameWire(netnsIno, ifindex);
    }

    /**
     * What is known from the caches about who dropped it: the listener's identity, else the
     * namespace's container; null when neither is known (and the lookup is queued). Never blocks.
     */
    private Identity lookup(long ino, long netns) {
        if (ino != 0) {
            Identity id = byListener.getIfPresent(ino);
            if (id != null) {
                return id;
            }
            misses.incrementAndGet();
            if (listenerNotFound.getIfPresent(ino) == null) {
                request(pendingListeners, ino);
            }
        }
        if (netns == 0) {
            return null;
        }
        ContainerInfo c = byNetns.getIfPresent(netns);
        if (c != null) {
            return new Identity(null, c);
        } else if (netnsNotFound.getIfPresent(netns) == null) {
            request(pendingNetns, netns);
        }
        return null;
    }

    /**
     * The identity's fields as DropEvent bytes, encoded once per identity (by value: a re-read
     * that finds the same process and container hits) and kept for as many identities as the
     * listener cache holds; a lookup that misses encodes on the drain thread, which costs
     * microseconds and never waits.
     */
    private byte[] wire(Identity id) {
        // Drops come in bursts from one listener: the same cached Identity object as the last event's.
        LastWire last = lastWire;
        if (last != null && last.id() == id) {
            return last.bytes();
        }
        byte[] b = encodedIdentities.get(id);
        if (b == null) {
            DropEvent.Builder e = DropEvent.newBuilder();
            id.applyTo(e);
            b = e.build().toByteArray(); // only fields 23-33 are set: exactly their bytes, in field order
            if (encodedIdentities.size() >= MAX_ENTRIES) {
                encodedIdentities.clear();
            }
            encodedIdentities.put(id, b);
        }
        lastWire = new LastWire(id, b);
        return b;
    }

    /** The last identity encoded and its bytes, together (one immutable pair, safe to read from any thread). */
    private record LastWire(Identity id, byte[] bytes) {
    }

    /**
     * Keeps {@code map} (the kernel's allow-list, KernelProbe#workloadNetns) holding the network
     * namespaces of the workloads {@code filter} names, so drops elsewhere never leave the kernel.
     * Fills it once now, on the caller's thread (before the drain starts: until then the kernel
     * passes nothing), then every {@link #KERNEL_FILTER_REFRESH} on the resolver thread, as
     * containers and processes come and go.
     */
    public void reduceInKernel(WorkloadFilter filter, NetnsAllowList map) {
        if (filter.isAny()) {
            return;
        }
        kernel = new KernelReduction(filter, map);
        refreshKernelFilter();
    }

    /**
     * What watch and agent call after attaching: when the probe was loaded with a workload map and
     * {@code enricher} is the identity stage, that stage keeps the map current. Without the stage
     * (--no-identity) the map stays empty and the kernel passes nothing, as the workload filters
     * match nothing then anyway.
     */
    public static void reduceInKernel(EventEnricher enricher, WorkloadFilter filter, Optional<NetnsAllowList> map) {
        if (enricher instanceof IdentityStage stage && map.isPresent()) {
            stage.reduceInKernel(filter, map.get());
        }
    }

    /** The namespaces last put into the kernel's map (for tests); empty without a workload filter. */
    public Set<Long> kernelNamespaces() {
        synchronized (kernelLock) {
            return Set.copyOf(inKernel);
        }
    }

    private void refreshKernelFilter() {
        KernelReduction k = kernel;
        if (k == null) {
            return;
        }
        synchronized (kernelLock) {
            kernelFilled = System.nanoTime();
            try {
                Set<Long> want = WorkloadNamespaces.of(k.filter(), containers, procFiles);
                if (want.size() > NetnsAllowList.MAX_ENTRIES) {
                    warn.accept("workload filter: " + want.size() + " network namespaces match, the kernel's map holds "
                            + NetnsAllowList.MAX_ENTRIES + ": drops in the others are not seen; name fewer workloads");
                    want = want.stream().limit(NetnsAllowList.MAX_ENTRIES).collect(java.util.stream.Collectors.toSet());
                }
                Set<Long> add = new HashSet<>(want);
                add.removeAll(inKernel);
                Set<Long> gone = new HashSet<>(inKernel);
                gone.removeAll(want);
                k.map().disallow(gone);
                k.map().allow(add);
                nameNow(add);
                boolean first = kernelReported == null;
                inKernel = want;
                // Said when it changes (pods come and go rarely): what the kernel lets through now.
                if (first || !add.isEmpty() || !gone.isEmpty()) {
                    kernelReported = want;
                    warn.accept(want.isEmpty()
                            ? "workload filter: no running container or process matches it (yet): the kernel passes no drop until one does"
                            : "workload filter: the kernel passes the drops of " + want.size() + " network namespace(s) now "
                            + (want.size() <= 8 ? new java.util.TreeSet<>(want).toString() : "") + (first ? "" : " (+" + add.size() + " -" + gone.size() + ")"));
                }
            } catch (RuntimeException e) {
                warn.accept("workload filter: updating the kernel's namespace map failed: " + e.getMessage()
                        + "; it keeps the namespaces it had, retried in " + KERNEL_FILTER_REFRESH.toSeconds() + " s");
            }
        }
    }

    /**
     * The namespaces the kernel starts to pass are named before their first drop: a drop there
     * matches the workload filter only once its owner is known, and a closed-port or TIME-WAIT drop
     * has no listener to name it by, so without this the first drops of a pod just let through would
     * be cut in Java. Asked the same way as for a drop, so both give the same owner.
     */
    private void nameNow(Set<Long> netns) {
        for (long ns : netns) {
            if (byNetns.getIfPresent(ns) == null) {
                netnsNotFound.invalidate(ns);
                resolveNetns(ns);
            }
        }
    }

    /** The interface-name cache (for tests). */
    public InterfaceNames interfaces() {
        return interfaces;
    }

    /** What is cached for this listener inode now (for tests and the doctor); never blocks. */
    public Optional<Identity> known(long listenerIno) {
        return Optional.ofNullable(byListener.getIfPresent(listenerIno));
    }

    /** /proc scans so far. */
    public long scans() {
        return scans.get();
    }

    /** Events that carried a listener inode not (yet) resolved. */
    public long misses() {
        return misses.get();
    }

    private void request(Set<Long> pending, long key) {
        // Bounded: under a flood of distinct listeners the overflow waits for a later event.
        if (pending.size() < MAX_PENDING && pending.add(key)) {
            work.release();
        }
    }

    private void resolveLoop() {
        long lastScan = 0;
        long lastRecheck = System.nanoTime();
        while (!closed) {
            try {
                boolean asked = work.tryAcquire(NETNS_RECHECK.toMillis(), TimeUnit.MILLISECONDS);
                if (kernel != null && System.nanoTime() - kernelFilled >= KERNEL_FILTER_REFRESH.toNanos()) {
                    refreshKernelFilter();
                }
                if (System.nanoTime() - lastRecheck >= NETNS_RECHECK.toNanos()) {
                    lastRecheck = System.nanoTime();
                    recheckNetns();
                }
                if (!asked) {
                    continue;
                }
                long wait = lastScan + MIN_SCAN_INTERVAL.toNanos() - System.nanoTime();
                if (lastScan != 0 && wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                work.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
            if (closed) {
                return;
            }
            try {
                Set<Long> inos = take(pendingListeners);
                if (!inos.isEmpty()) {
                    lastScan = System.nanoTime();
                    resolveListeners(inos);
                }
                for (long netns : take(pendingNetns)) {
                    resolveNetns(netns);
                }
            } catch (RuntimeException e) {
                // One bad answer must not end naming for the agent's life.
                warn.accept("identity: resolving listeners failed: " + e + "; events keep flowing without names");
            }
        }
    }

    private static Set<Long> take(Set<Long> pending) {
        Set<Long> out = new HashSet<>();
        for (Long k : new ArrayList<>(pending)) {
            pending.remove(k);
            out.add(k);
        }
        return out;
    }

    private void resolveListeners(Set<Long> inos) {
        ProcSockets.Scan scan = proc.owners(inos);
        for (long ino : inos) {
            Integer pid = scan.owners().get(ino);
            Optional<ListenerProcess> p = pid == null ? Optional.empty() : proc.describe(pid);
            if (p.isEmpty()) {
                listenerNotFound.put(ino, Boolean.TRUE);
                continue;
            }
            ContainerInfo c = ask(() -> containers.byPid(p.get().pid()));
            byListener.put(ino, new Identity(p.get(), c));
        }
        scans.incrementAndGet(); // after the answers are cached: a caller who saw the scan sees its results
        int unreadable = scan.processesUnreadable();
        List<Long> missing = inos.stream().filter(i -> !scan.owners().containsKey(i)).toList();
        if (unreadable > 0 && !missing.isEmpty() && unreadable != unreadableWarned) {
            unreadableWarned = unreadable;
            warn.accept("identity: cannot read /proc/PID/fd of " + unreadable + " of " + scan.processesSeen()
                    + " processes (reading another user's needs CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE, or root; in a pod also hostPID):"
                    + " listeners they hold stay unnamed (" + missing.size() + " unresolved now)");
        }
    }

    private void resolveNetns(long netns) {
        ContainerInfo c = ask(() -> containers.byNetns(netns));
        if (c == ContainerInfo.UNKNOWN) {
            netnsNotFound.put(netns, Boolean.TRUE);
        } else {
            byNetns.put(netns, c);
        }
    }

    private void recheckNetns() {
        try {
            for (long netns : new ArrayList<>(byNetns.asMap().keySet())) {
                ContainerInfo c = ask(() -> containers.byNetns(netns));
                if (c == ContainerInfo.UNKNOWN) {
                    byNetns.invalidate(netns);
                    netnsNotFound.put(netns, Boolean.TRUE);
                } else {
                    byNetns.put(netns, c);
                }
            }
        } catch (RuntimeException e) {
            warn.accept("identity: re-checking container names failed: " + e + "; events keep flowing");
        }
    }

    private ContainerInfo ask(java.util.function.Supplier<Optional<ContainerInfo>> q) {
        try {
            return q.get().orElse(ContainerInfo.UNKNOWN);
        } catch (RuntimeException e) {
            warn.accept("identity: the container lookup failed: " + e.getMessage() + "; the event is sent without container names");
            return ContainerInfo.UNKNOWN;
        }
    }

    @Override
    public void close() {
        closed = true;
        resolver.interrupt();
        try {
            resolver.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        interfaces.close();
        containers.close();
    }
}
