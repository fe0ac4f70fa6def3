package io.syndrop.identity;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SystemdUnitTest {
    @Test
    void unifiedHierarchyNamesTheService() {
        assertEquals(Optional.of("nginx.service"), SystemdUnit.fromCgroupFile("0::/system.slice/nginx.service\n"));
    }

    @Test
    void hybridLayoutPrefersTheNameSystemdTree() {
        String text = "12:memory:/system.slice/other.service\n1:name=systemd:/system.slice/sshd.service\n0::/\n";
        assertEquals(Optional.of("sshd.service"), SystemdUnit.fromCgroupFile(text));
    }

    @Test
    void theInnermostUnitWins() {
        assertEquals(Optional.of("session-4.scope"),
                SystemdUnit.fromCgroupFile("0::/user.slice/user-1000.slice/user@1000.service/app.slice/x/session-4.scope\n"));
        assertEquals(Optional.of("cri-containerd-0123abcd.scope"), SystemdUnit.fromCgroupFile(
                "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-0123abcd.scope\n"));
    }

    @Test
    void noUnitOutsideSystemdAndNothingFromGarbage() {
        assertEquals(Optional.empty(), SystemdUnit.fromCgroupFile("0::/\n"));
        assertEquals(Optional.empty(), SystemdUnit.fromCgroupFile("0::/my-group/.service\n"), "a bare suffix is no unit");
        assertEquals(Optional.empty(), SystemdUnit.fromCgroupFile("garbage"));
        assertEquals(Optional.empty(), SystemdUnit.fromCgroupFile(""));
    }

    @Test
    void socketLinkTargets() {
        assertEquals(12345L, ProcSockets.socketInode("socket:[12345]"));
        assertEquals(0L, ProcSockets.socketInode("pipe:[12345]"));
        assertEquals(0L, ProcSockets.socketInode("socket:[]"));
        assertEquals(0L, ProcSockets.socketInode("socket:[99999999999999999999999]"));
        assertEquals(0L, ProcSockets.socketInode("/dev/null"));
    }
}
