package io.syndrop.counters;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Samples the counters of every network namespace that has listeners, and keeps that set current
 * as pods come and go. Discovery ({@link NetnsDiscovery}) runs on its own thread every
 * {@code rediscoverEvery}, so a slow /proc walk delays neither the sampling nor anything else; all
 * namespaces are sampled on one other thread, so a node with hundreds of pods costs two threads.
 *
 * <p>A namespace is sampled through a process or a /var/run/netns name found for it; each sample's
 * inode is checked, so a pid that exits and is reused in another namespace ends that namespace's
 * watch instead of mixing two namespaces' counters. A namespace that is gone, or no longer has
 * listeners, stops being watched at the next discovery and is said so through {@code notices}.
 */
public final class ListenerNamespaceWatch implements AutoCloseable {
    /** Makes the listener of one namespace's samples. */
    public interface ListenerFactory {
        CounterWatcher.Listener forNamespace(ListeningNamespace ns);
    }

    private record Entry(ListeningNamespace ns, CounterWatcher watcher) {}

    private final NetnsDiscovery discovery;
    private final Duration sampleEvery;
    private final Duration rediscoverEvery;
    private final CounterWatcher.Origin origin;
    private final Collection<String> watched;
    private final ListenerFactory factory;
    private final Consumer<String> notices;
    private final Map<Long, Entry> current = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sampler = daemon("syndrop-netns-sampler");
    private final ScheduledExecutorService finder = daemon("syndrop-netns-discovery");
    private volatile boolean firstDone;
    private final java.util.Set<Long> reportedUnreadable = ConcurrentHashMap.newKeySet();

    public ListenerNamespaceWatch(NetnsDiscovery discovery, Duration sampleEvery, Duration rediscoverEvery,
                                  CounterWatcher.Origin origin, Collection<String> watched,
                                  ListenerFactory factory, Consumer<String> notices) {
        this.discovery = discovery;
        this.sampleEvery = sampleEvery;
        this.rediscoverEvery = rediscoverEvery;
        this.origin = origin;
        this.watched = List.copyOf(watched);
        this.factory = factory;
        this.notices = notices;
    }

    public ListenerNamespaceWatch start() {
        finder.scheduleWithFixedDelay(this::rediscover, 0, rediscoverEvery.toMillis(), TimeUnit.MILLISECONDS);
        sampler.scheduleAtFixedRate(this::sampleAll, sampleEvery.toMillis(), sampleEvery.toMillis(),
                TimeUnit.MILLISECONDS);
        return this;
    }

    /** The namespaces watched now. */
    public List<ListeningNamespace> namespaces() {
        return current.values().stream().map(Entry::ns).sorted((a, b) -> Long.compare(a.inode(), b.inode())).toList();
    }

    private void sampleAll() {
        for (Entry e : current.values()) {
            e.watcher().tick();
        }
    }

    private void rediscover() {
        NetnsDiscovery.Result r;
        try {
            r = discovery.discover();
        } catch (IOException | RuntimeException e) {
            notices.accept("cannot look for network namespaces with listeners: " + e.getMessage()
                    + "; still watching " + labels(namespaces()));
            return;
        }
        List<ListeningNamespace> added = new ArrayList<>();
        for (ListeningNamespace ns : r.withListeners()) {
            if (!current.containsKey(ns.inode())) {
                CounterWatcher w = new CounterWatcher(ns.reader(false), sampleEvery, origin, watched,
                        dropOnError(ns, factory.forNamespace(ns)));
                current.put(ns.inode(), new Entry(ns, w));
                w.tick(); // the baseline, taken now so that drops before the next sampling tick count
                added.add(ns);
            }
        }
        List<Long> keep = r.withListeners().stream().map(ListeningNamespace::inode).toList();
        List<ListeningNamespace> removed = new ArrayList<>();
        for (Entry e : List.copyOf(current.values())) {
            if (!keep.contains(e.ns().inode()) && current.remove(e.ns().inode(), e)) {
                e.watcher().close();
                removed.add(e.ns());
            }
        }
        StringBuilder sb = new StringBuilder();
        if (!firstDone) {
            firstDone = true;
            sb.append("watching the counters of ").append(current.size()).append(" network namespace(s) with listeners: ")
                    .append(labels(namespaces()));
            if (r.withoutListeners() > 0) {
                sb.append("; ").append(r.withoutListeners()).append(" without listeners not watched");
            }
            sb.append(" (looking again every ").append(rediscoverEvery.toSeconds()).append(" s)");
        } else {
            if (!added.isEmpty()) {
                sb.append("now also watching ").append(labels(added));
            }
            if (!removed.isEmpty()) {
                sb.append(sb.length() > 0 ? "; " : "").append("no longer watching (gone or without listeners) ")
                        .append(labels(removed));
            }
        }
        if (r.overLimit() > 0) {
            sb.append(sb.length() > 0 ? "; " : "").append(r.overLimit()).append(" more namespace(s) with listeners NOT watched (limit ")
                    .append(NetnsDiscovery.MAX_NAMESPACES).append("; name one with --netns)");
        }
        for (NetnsDiscovery.Unreadable u : r.unreadable()) {
            if (!reportedUnreadable.add(u.inode())) {
                continue; // said once; the discovery every few seconds would only repeat it
            }
            sb.append(sb.length() > 0 ? "; " : "").append("NOT watched: ").append(u.label()).append(": ").append(u.why());
        }
        if (sb.length() > 0) {
            notices.accept(sb.toString());
        }
    }

    private static String labels(List<ListeningNamespace> l) {
        return l.isEmpty() ? "none" : l.stream().map(ListeningNamespace::label).collect(Collectors.joining(", "));
    }

    private CounterWatcher.Listener dropOnError(ListeningNamespace ns, CounterWatcher.Listener l) {
        return new CounterWatcher.Listener() {
            @Override
            public void onSample(io.syndrop.proto.v1.CounterSample sample, List<CounterChange> changes) {
                l.onSample(sample, changes);
            }

            @Override
            public void onError(Exception e) {
                Entry gone = current.remove(ns.inode());
                if (gone != null) {
                    gone.watcher().close();
                    notices.accept("stopped watching " + ns.label() + ": " + e.getMessage()
                            + " (it is watched again if the next look finds it)");
                }
            }
        };
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        finder.shutdownNow();
        sampler.shutdownNow();
        try {
            finder.awaitTermination(5, TimeUnit.SECONDS);
            sampler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        current.values().forEach(e -> e.watcher().close());
        current.clear();
    }
}
