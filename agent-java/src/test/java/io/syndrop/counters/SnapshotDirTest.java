package io.syndrop.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import io.syndrop.os.NetnsTarget;

class SnapshotDirTest {

    @Test
    void liveSnapshotWritesAndReadsBack(@TempDir Path tmp) throws Exception {
        CounterSnapshot live = new CounterReader(NetnsTarget.host(), true).sample();
        Path dir = tmp.resolve("snap");
        SnapshotDir.write(live, dir);
        for (String f : List.of("netstat", "snmp", "sysctl", "time")) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        CounterSnapshot back = SnapshotDir.read(dir);
        assertEquals(live.netstat(), back.netstat());
        assertEquals(live.snmp(), back.snmp());
        assertEquals(live.sysctls(), back.sysctls());
        assertEquals(live.time(), back.time());
        assertTrue(back.sysctls().get(Sysctls.OSRELEASE).isPresent());
    }

    @Test
    void storySnapshotsCarryTimeAndSysctls() throws Exception {
        CounterSnapshot s = SnapshotDir.read(Fixtures.story("tw-recycle-3.16").resolve("0001"));
        assertEquals(Instant.ofEpochSecond(1795800030), s.time().orElseThrow());
        assertEquals(1, s.sysctls().getLong(Sysctls.TW_RECYCLE).getAsLong());
        assertEquals(35, s.get("TcpExt:PAWSPassive").getAsLong());
    }

    @Test
    void handMadeSnapshotWithoutSysctlAndTimeIsAccepted(@TempDir Path tmp) throws Exception {
        Files.copy(Fixtures.kernel("3.16").resolve("netstat"), tmp.resolve("netstat"));
        Files.copy(Fixtures.kernel("3.16").resolve("snmp"), tmp.resolve("snmp"));
        CounterSnapshot s = SnapshotDir.read(tmp);
        assertTrue(s.time().isEmpty());
        assertTrue(s.sysctls().asMap().isEmpty());
    }

    @Test
    void missingNetstatTellsHowToCollectIt(@TempDir Path tmp) throws Exception {
        Files.copy(Fixtures.kernel("3.16").resolve("snmp"), tmp.resolve("snmp"));
        IOException e = assertThrows(IOException.class, () -> SnapshotDir.read(tmp));
        assertTrue(e.getMessage().contains("no netstat file") && e.getMessage().contains("cp /proc/net/netstat"), e.getMessage());
    }

    @Test
    void badTimeFileNamesTheFile(@TempDir Path tmp) throws Exception {
        Files.copy(Fixtures.kernel("6.1").resolve("netstat"), tmp.resolve("netstat"));
        Files.copy(Fixtures.kernel("6.1").resolve("snmp"), tmp.resolve("snmp"));
        Files.writeString(tmp.resolve("time"), "yesterday\n");
        MalformedCountersException e = assertThrows(MalformedCountersException.class, () -> SnapshotDir.read(tmp));
        assertTrue(e.getMessage().contains("time line 1"), e.getMessage());
    }

    @Test
    void folderOfSnapshotsExpandsInOrder() throws Exception {
        Path story = Fixtures.story("accept-overflow-5.10");
        List<Path> all = SnapshotDir.expand(List.of(story));
        assertEquals(List.of(story.resolve("0000"), story.resolve("0001"), story.resolve("0002")), all);
        assertEquals(List.of(story.resolve("0001")), SnapshotDir.expand(List.of(story.resolve("0001"))));
    }
}
