package io.syndrop.doctor;

import io.syndrop.counters.CounterDelta;
import io.syndrop.counters.CounterSnapshot;
import io.syndrop.counters.Fixtures;
import io.syndrop.counters.SnapshotDir;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.Reason;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Fixture stories as deltas, and drop events built the way the probes fill them. */
final class Stories {
    private Stories() {}

    /** First to last snapshot of a story. */
    static CounterDelta delta(String story) throws IOException {
        List<Path> snaps = SnapshotDir.expand(List.of(Fixtures.story(story)));
        CounterSnapshot first = SnapshotDir.read(snaps.get(0));
        CounterSnapshot last = SnapshotDir.read(snaps.get(snaps.size() - 1));
        return CounterDelta.between(first, last);
    }

    static Diagnosis diagnose(String story, List<DropEvent> events) throws IOException {
        return new Doctor().diagnose(delta(story), null, events);
    }

    static final long T0 = 1_795_800_000_000_000_000L;

    static DropEvent event(long seq, Reason reason, String src, int srcPort, String dst, int dstPort, long tsval,
                           long cachedTs) {
        return DropEvent.newBuilder()
                .setSeq(seq).setTimeUnixNano(T0 + seq * 100_000_000L).setNode("web-1").setReason(reason)
                .setSrcAddr(src).setSrcPort(srcPort).setDstAddr(dst).setDstPort(dstPort)
                .setTsval((int) tsval).setCachedTs((int) cachedTs).setNetnsIno(4026531840L)
                .build();
    }
}
