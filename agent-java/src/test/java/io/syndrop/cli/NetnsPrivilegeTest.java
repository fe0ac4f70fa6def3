package io.syndrop.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which --netns targets are read through another process's /proc entries, so need CAP_SYS_PTRACE. */
class NetnsPrivilegeTest {
    @Test
    void pidsAndInodesAreReadThroughOtherProcessesNamesAreNot() {
        assertTrue(WatchCommand.readsOtherProcesses(List.of("pid:1")));
        assertTrue(WatchCommand.readsOtherProcesses(List.of("web1", "4026531840")));
        assertFalse(WatchCommand.readsOtherProcesses(List.of("web1")));
        assertFalse(WatchCommand.readsOtherProcesses(List.of()));
    }
}
