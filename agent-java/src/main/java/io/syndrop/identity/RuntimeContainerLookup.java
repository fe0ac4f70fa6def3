package io.syndrop.identity;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.syndrop.identity.RuntimeApi.RuntimeContainer;
import io.syndrop.identity.RuntimeApi.RuntimeTask;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Names containers from their cgroup path and the runtimes' own APIs (containerd, Docker, CRI-O's CRI).
 *
 * <p>Freshness: a cached container is checked on every hit against /proc, not against the
 * runtime: its init process must still be the same process (pid and start time) in the same
 * network namespace. That costs two small /proc reads, is exact at the moment of the lookup, and
 * needs no event stream per runtime that could miss events across a reconnect; a container that
 * stopped or was removed fails the check and is asked about again (and is then unknown). Misses
 * ask the runtime: by id for a process, by re-listing running containers for a network namespace
 * (at most once a second per unknown namespace). Entries are re-read after {@link #FRESH} anyway,
 * as labels may be updated in place.
 */
public final class RuntimeContainerLookup implements ContainerLookup {

    private static final Logger LOG = Logger.getLogger(RuntimeContainerLookup.class.getName());
    static final int MAX_CACHED = 4096;
    static final Duration FRESH = Duration.ofSeconds(60);
    static final Duration NOT_FOUND_FOR = Duration.ofSeconds(1);

    private final List<RuntimeApi> apis;
    private final Set<String> namespaces;
    private final ProcFiles proc;
    private final EventLoopGroup group;
    private final Cache<String, Cached> byId = cache(FRESH);
    private final Cache<String, Boolean> unknownIds = cache(NOT_FOUND_FOR);
    private final Cache<Long, Boolean> unknownNetns = cache(NOT_FOUND_FOR);
    private volatile Map<Long, List<Owner>> netnsOwners = Map.of();
    /** The last thing said about each runtime, so a runtime that stays away is logged once. */
    private final Map<String, String> lastSaid = new ConcurrentHashMap<>();

    private record Cached(RuntimeContainer container, long startTime, long netns) {
    }

    private record Owner(RuntimeApi api, String namespace, String containerId, int pid, long startTime) {
    }

    RuntimeContainerLookup(List<RuntimeApi> apis, Set<String> containerdNamespaces, ProcFiles proc,
                           EventLoopGroup group) {
        this.apis = List.copyOf(apis);
        this.namespaces = Set.copyOf(containerdNamespaces);
        this.proc = proc;
        this.group = group;
    }

    /** Asks containerd, Docker and CRI-O at these sockets; a socket that is not there just answers nothing. */
    public static RuntimeContainerLookup open(ContainerRuntimeSockets sockets) {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1,
                new DefaultThreadFactory("syndrop-container-runtimes", true), EpollIoHandler.newFactory());
        List<RuntimeApi> apis = List.of(
                new ContainerdApi(sockets.containerd(), sockets.containerdNamespaces(), sockets.timeout(), group),
                new DockerApi(sockets.docker(), sockets.timeout(), group),
                new CriApi("cri-o", sockets.crio(), sockets.timeout(), group));
        return new RuntimeContainerLookup(apis, new HashSet<>(sockets.containerdNamespaces()), ProcFiles.system(),
                group);
    }

    @Override
    public Optional<ContainerInfo> byPid(int pid) {
        Optional<CgroupContainer> cg = proc.cgroup(pid).flatMap(t -> CgroupContainer.fromProcCgroup(t, namespaces));
        if (cg.isEmpty()) {
            return Optional.empty();
        }
        CgroupContainer c = cg.get();
        for (RuntimeApi api : apis) {
            if (!c.runtime().isEmpty() && !c.runtime().equals(api.runtime())) {
                continue;
            }
            Optional<RuntimeContainer> rc = container(api, c.containerId(), c.containerdNamespace());
            if (rc.isPresent()) {
                ContainerInfo i = rc.get().info();
                return Optional.of(i.podUid().isEmpty() ? new ContainerInfo(i.runtime(), i.containerId(),
                        i.containerName(), i.image(), c.podUid(), i.podNamespace(), i.podName()) : i);
            }
        }
        // a runtime that is not answering, or does not know the id: what the cgroup path says
        return Optional.of(new ContainerInfo(c.runtime(), c.containerId(), "", "", c.podUid(), "", ""));
    }

    @Override
    public Optional<ContainerInfo> byNetns(long netnsInode) {
        Optional<ContainerInfo> known = owner(netnsInode);
        if (known.isPresent() || unknownNetns.getIfPresent(netnsInode) != null) {
            return known;
        }
        relist();
        known = owner(netnsInode);
        if (known.isEmpty()) {
            unknownNetns.put(netnsInode, Boolean.TRUE);
        }
        return known;
    }

    @Override
    public List<RunningContainer> running() {
        List<RunningContainer> out = new ArrayList<>();
        for (RuntimeApi api : apis) {
            List<RuntimeTask> tasks = runningOn(api);
            for (RuntimeTask t : tasks) {
                if (out.size() == MAX_CACHED) {
                    return out;
                }
                Optional<RuntimeContainer> rc = container(api, t.containerId(), t.namespace());
                int pid = rc.map(RuntimeContainer::pid).filter(p -> p > 0).orElse(t.pid());
                if (rc.isPresent() && pid > 0) {
                    out.add(new RunningContainer(rc.get().info(), pid));
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        apis.forEach(RuntimeApi::close);
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    /** The runtime's running tasks, empty when it cannot be asked (said once by unavailable()). */
    private List<RuntimeTask> runningOn(RuntimeApi api) {
        try {
            List<RuntimeTask> tasks = api.running();
            answered(api);
            return tasks;
        } catch (RuntimeUnavailableException e) {
            unavailable(api, e);
            return List.of();
        }
    }

    /** The pod sandbox that holds this namespace if there is one (a pod's containers share it), else a container. */
    private Optional<ContainerInfo> owner(long netnsInode) {
        RuntimeContainer best = null;
        for (Owner o : netnsOwners.getOrDefault(netnsInode, List.of())) {
            if (!sameProcess(o.pid(), o.startTime(), netnsInode)) {
                continue;
            }
            Optional<RuntimeContainer> rc = container(o.api(), o.containerId(), o.namespace());
            if (rc.isPresent() && (best == null || (rc.get().sandbox() && !best.sandbox()))) {
                best = rc.get();
            }
        }
        return Optional.ofNullable(best).map(RuntimeContainer::info);
    }

    private synchronized void relist() {
        OptionalLong self = proc.netnsInodeOfSelf();
        OptionalLong init = proc.netnsInode(1);
        Map<Long, List<Owner>> owners = new HashMap<>();
        int entries = 0;
        for (RuntimeApi api : apis) {
            List<RuntimeTask> tasks = runningOn(api);
            for (RuntimeTask t : tasks) {
                int pid = t.pid();
                if (pid == 0) {
                    pid = container(api, t.containerId(), t.namespace()).map(RuntimeContainer::pid).orElse(0);
                }
                OptionalLong start = proc.startTime(pid);
                OptionalLong ns = proc.netnsInode(pid);
                // host-network containers share the host's (or the agent's) namespace: they own none
                if (pid == 0 || start.isEmpty() || ns.isEmpty() || ns.equals(self) || ns.equals(init)) {
                    continue;
                }
                if (entries == MAX_CACHED) {
                    say(api, Level.WARNING, "more than " + MAX_CACHED + " running containers: the network"
                            + " namespaces of the rest are not named");
                    break;
                }
                owners.computeIfAbsent(ns.getAsLong(), k -> new ArrayList<>())
                        .add(new Owner(api, t.namespace(), t.containerId(), pid, start.getAsLong()));
                entries++;
            }
        }
        netnsOwners = owners;
    }

    private Optional<RuntimeContainer> container(RuntimeApi api, String id, String namespaceHint) {
        String key = api.runtime() + '/' + id;
        Cached hit = byId.getIfPresent(key);
        if (hit != null) {
            if (sameProcess(hit.container().pid(), hit.startTime(), hit.netns())) {
                return Optional.of(hit.container());
            }
            byId.invalidate(key);
        }
        if (unknownIds.getIfPresent(key) != null) {
            return Optional.empty();
        }
        Optional<RuntimeContainer> rc;
        try {
            rc = api.inspect(id, namespaceHint);
            answered(api);
        } catch (RuntimeUnavailableException e) {
            unavailable(api, e);
            return Optional.empty();
        }
        if (rc.isEmpty()) {
            unknownIds.put(key, Boolean.TRUE);
            return rc;
        }
        int pid = rc.get().pid();
        OptionalLong start = proc.startTime(pid);
        OptionalLong ns = proc.netnsInode(pid);
        if (pid > 0 && start.isPresent() && ns.isPresent()) {
            byId.put(key, new Cached(rc.get(), start.getAsLong(), ns.getAsLong()));
        }
        return rc;
    }

    private boolean sameProcess(int pid, long startTime, long netns) {
        return pid > 0 && proc.startTime(pid).equals(OptionalLong.of(startTime))
                && proc.netnsInode(pid).equals(OptionalLong.of(netns));
    }

    private void answered(RuntimeApi api) {
        String before = lastSaid.remove(api.runtime());
        if (before != null) {
            LOG.info(api.runtime() + " answers again: containers are named from its API");
        }
    }

    private void unavailable(RuntimeApi api, RuntimeUnavailableException e) {
        if (e.absent()) {
            say(api, Level.INFO, e.getMessage() + ": no container names or images from " + api.runtime()
                    + " (normal where it does not run; set its socket option if it listens elsewhere)");
        } else {
            say(api, Level.WARNING, e.getMessage() + "; its containers are named from their cgroup path only until"
                    + " it answers");
        }
    }

    private void say(RuntimeApi api, Level level, String message) {
        if (!message.equals(lastSaid.put(api.runtime(), message))) {
            LOG.log(level, message);
        }
    }

    private static <K, V> Cache<K, V> cache(Duration ttl) {
        return CacheBuilder.newBuilder().maximumSize(MAX_CACHED).expireAfterWrite(ttl).build();
    }
}
