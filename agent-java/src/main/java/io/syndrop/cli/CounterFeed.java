package io.syndrop.cli;

import io.syndrop.counters.CounterChange;
import io.syndrop.counters.CounterReader;
import io.syndrop.counters.CounterWatcher;
import io.syndrop.counters.ListenerNamespaceWatch;
import io.syndrop.counters.NetnsDiscovery;
import io.syndrop.os.NetnsTarget;
import io.syndrop.counters.WatchedCounters;
import io.syndrop.format.EventJson;
import io.syndrop.proto.v1.CounterSample;

import java.io.PrintStream;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kernel counters next to (or instead of) events in `watch`: in counters mode they are the only
 * evidence; in tracepoint mode they show the listener drops that no tracepoint can see.
 */
final class CounterFeed implements AutoCloseable {
    CounterFeed() {}

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    /** How often the set of namespaces with listeners is looked for again. */
    static final Duration REDISCOVER = Duration.ofSeconds(10);

    private final List<CounterWatcher> watchers = new ArrayList<>();
    private ListenerNamespaceWatch everywhere;

    /** Namespaces to sample: the host's, or each one given with --netns. */
    static List<NetnsTarget> targets(List<String> netnsArgs) {
        List<NetnsTarget> out = new ArrayList<>();
        for (String s : netnsArgs) {
            out.add(NetnsTarget.parse(s));
        }
        if (out.isEmpty()) {
            out.add(NetnsTarget.host());
        }
        return out;
    }

    /** Counters mode: every change of a relevant counter is a line (or a JSON CounterSample). */
    static CounterFeed countersOnly(List<NetnsTarget> targets, Duration interval, CounterWatcher.Origin origin,
                                    boolean json, PrintStream out) {
        CounterFeed f = new CounterFeed();
        for (NetnsTarget t : targets) {
            f.watchers.add(new CounterWatcher(new CounterReader(t, false), interval, origin,
                    changePrinter(t.describe(), json, out)).start());
        }
        return f;
    }

    /** Counters mode over every namespace with listeners, kept current as they come and go. */
    static CounterFeed countersOnlyEverywhere(Duration interval, CounterWatcher.Origin origin, boolean json,
                                              PrintStream out, PrintStream err) {
        CounterFeed f = new CounterFeed();
        f.everywhere = new ListenerNamespaceWatch(new NetnsDiscovery(), interval, REDISCOVER, origin,
                WatchedCounters.RELEVANT, ns -> changePrinter(ns.label(), json, out), notices(err)).start();
        return f;
    }

    private static CounterWatcher.Listener changePrinter(String where, boolean json, PrintStream out) {
        return new CounterWatcher.Listener() {
            @Override
            public void onSample(CounterSample sample, List<CounterChange> changes) {
                if (changes.isEmpty()) {
                    return;
                }
                synchronized (out) {
                    if (json) {
                        out.println(EventJson.line(sample));
                    } else {
                        for (CounterChange c : changes) {
                            out.printf("%-12s COUNTERS %-24s %+d (%.1f/s) in %s%n", LocalTime.now().format(TIME),
                                    c.key(), c.delta(), c.perSecond(), where);
                        }
                    }
                    out.flush();
                }
            }

            @Override
            public void onError(Exception e) {
                out.println("syndrop watch: cannot read counters of " + where + ": " + e.getMessage());
            }
        };
    }

    /**
     * Tracepoint mode: ListenDrops that grew by more than the listener drops shown as events were
     * dropped inside tcp_conn_request, which no tracepoint sees. Say so, so nothing goes unexplained.
     * The namespaces are the ones given with --netns; each is reconciled with its own events only.
     */
    static CounterFeed listenDropGap(List<NetnsTarget> targets, Duration interval, CounterWatcher.Origin origin,
                                     EventPrinter printer, PrintStream err) {
        CounterFeed f = new CounterFeed();
        for (NetnsTarget t : targets) {
            f.watchers.add(new CounterWatcher(new CounterReader(t, false), interval, origin,
                    List.of(WatchedCounters.LISTEN_DROPS), gapReporter(t.describe(), printer, err)).start());
        }
        return f;
    }

    /** The same over every namespace with listeners, each reconciled with its own events only. */
    static CounterFeed listenDropGapEverywhere(Duration interval, CounterWatcher.Origin origin, EventPrinter printer,
                                               PrintStream err) {
        CounterFeed f = new CounterFeed();
        f.everywhere = new ListenerNamespaceWatch(new NetnsDiscovery(), interval, REDISCOVER, origin,
                List.of(WatchedCounters.LISTEN_DROPS),
                ns -> gapReporter(ns.label(), printer, err), notices(err)).start();
        return f;
    }

    /** Events are matched to a namespace by the inode its samples carry. */
    private static CounterWatcher.Listener gapReporter(String where, EventPrinter printer, PrintStream err) {
        AtomicLong lastSeen = new AtomicLong();
        return new CounterWatcher.Listener() {
            @Override
            public void onSample(CounterSample sample, List<CounterChange> changes) {
                long seen = printer.listenerEventsIn(sample.getNetnsIno()).get();
                long shown = seen - lastSeen.getAndSet(seen);
                for (CounterChange c : changes) {
                    long unseen = c.delta() - shown;
                    if (unseen > 0) {
                        err.println(LocalTime.now().format(TIME) + " UNATTRIBUTED " + unseen + " listener drop(s) in "
                                + where + " (TcpExt:ListenDrops " + c.delta() + ", events " + shown
                                + "): the tracepoint mode cannot see SYNs dropped inside tcp_conn_request "
                                + "(queue full, unproven peer); fentry or kprobe mode shows each one");
                    }
                }
            }

            @Override
            public void onError(Exception e) {
                err.println("syndrop watch: cannot read the counters of " + where + ": " + e.getMessage());
            }
        };
    }

    private static java.util.function.Consumer<String> notices(PrintStream err) {
        return s -> err.println("syndrop watch: " + s);
    }

    @Override
    public void close() {
        for (CounterWatcher w : watchers) {
            w.close();
        }
        if (everywhere != null) {
            everywhere.close();
        }
    }
}
