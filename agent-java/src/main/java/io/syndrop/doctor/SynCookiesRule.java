package io.syndrop.doctor;

import static io.syndrop.counters.WatchedCounters.REQQ_FULL_COOKIES;
import static io.syndrop.counters.WatchedCounters.SYNCOOKIES_FAILED;
import static io.syndrop.counters.WatchedCounters.SYNCOOKIES_RECV;
import static io.syndrop.counters.WatchedCounters.SYNCOOKIES_SENT;

import io.syndrop.counters.Sysctls;
import java.util.List;
import java.util.Optional;

/**
 * The SYN queue overflowed but syncookies answered: nothing was dropped yet, the queue is too small or under attack.
 * With tcp_syncookies=2 the same counter counts every SYN (the kernel sends a cookie whether or not the queue is
 * full), so it says nothing about the queue: that case is its own finding.
 */
final class SynCookiesRule implements Rule {
    static final String ID = "syn-queue-cookies";
    static final String FORCED_ID = "syn-cookies-forced";

    @Override
    public List<String> counters() {
        return List.of(REQQ_FULL_COOKIES, SYNCOOKIES_SENT);
    }

    /** The sampled sysctls, then what the kernel recorded at the drops the agent saw meanwhile. */
    private static List<String> withKernelFacts(Evidence e, List<String> facts) {
        List<String> out = new java.util.ArrayList<>(facts);
        out.addAll(Evidence.kernelFacts(e.events()));
        return out;
    }

    @Override
    public Optional<Finding> evaluate(Evidence e) {
        long cookies = e.delta(REQQ_FULL_COOKIES);
        if (cookies == 0) {
            return Optional.empty();
        }
        if (e.sysctl(Sysctls.SYNCOOKIES).orElse(-1) == 2) {
            return Optional.of(forced(e, cookies));
        }
        String explanation = "The SYN queue of a listener overflowed " + cookies + " times " + e.window() + ", and "
                + "the kernel answered with syncookies instead of dropping (TcpExt:TCPReqQFullDoCookies). Nothing was "
                + "lost, but cookie connections lose some TCP options, and a queue that keeps overflowing means a "
                + "SYN flood or a backlog too small for the connection rate.";
        return Optional.of(new Finding(ID, "SYN queue overflowing, answered with syncookies", Severity.WARNING,
                e.show(REQQ_FULL_COOKIES, SYNCOOKIES_SENT, SYNCOOKIES_RECV, SYNCOOKIES_FAILED),
                withKernelFacts(e, List.of(e.sysctlFact(Sysctls.SYNCOOKIES), e.sysctlFact(Sysctls.MAX_SYN_BACKLOG),
                        e.sysctlFact(Sysctls.SOMAXCONN))),
                List.of(), explanation, List.of(
                        new Remedy("Raise the SYN backlog and the listener's backlog",
                                List.of("sysctl -w net.ipv4.tcp_max_syn_backlog=4096", "sysctl -w net.core.somaxconn=4096"),
                                "A few hundred bytes per half-open connection."),
                        new Remedy("If it is a flood, find the sources",
                                List.of("ss -nt state syn-recv"), "None: it only reads."))));
    }

    private static Finding forced(Evidence e, long cookies) {
        String explanation = "net.ipv4.tcp_syncookies = 2 makes the kernel answer every SYN with a syncookie, full SYN "
                + "queue or not, so TcpExt:TCPReqQFullDoCookies (" + cookies + " " + e.window() + ") counts SYNs, not "
                + "overflows, and no SYN is dropped for the SYN queue. Every connection then lacks the TCP options a "
                + "cookie cannot carry (window scaling and SACK survive only with timestamps on).";
        return new Finding(FORCED_ID, "Every SYN answered with a syncookie (tcp_syncookies=2)", Severity.WARNING,
                e.show(REQQ_FULL_COOKIES, SYNCOOKIES_SENT, SYNCOOKIES_RECV, SYNCOOKIES_FAILED),
                withKernelFacts(e, List.of(e.sysctlFact(Sysctls.SYNCOOKIES))), List.of(), explanation, List.of(
                        new Remedy("Send cookies only when the SYN queue overflows (the usual default)",
                                List.of("sysctl -w net.ipv4.tcp_syncookies=1",
                                        "echo 'net.ipv4.tcp_syncookies = 1' > /etc/sysctl.d/90-syncookies.conf"),
                                "Connections get their full TCP options again; a flood is still answered with cookies.")));
    }
}
