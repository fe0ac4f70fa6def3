package io.syndrop.probe;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fentry or kprobe mode (from -Dsyndrop.mode) on a kernel that allows it: Debian's 6.1 in the
 * VM harness. Not a surefire test by name; {@link KernelProbesVmTest} runs it inside the VM.
 */
class KernelProbeScenarios {
    static AttachMode mode;

    @BeforeAll
    static void inTheVm() {
        ProbeScenarios.requireVm();
        mode = AttachMode.parse(System.getProperty("syndrop.mode", "fentry"));
    }

    @Test
    void acceptQueueFull() throws Exception {
        ProbeScenarios.acceptQueueFull(mode, null);
    }

    @Test
    void unprovenPeersAreDroppedWhenTheSynBacklogIsThreeQuartersFullWithoutSyncookies() throws Exception {
        ProbeScenarios.unprovenPeers(mode, null);
    }

    @Test
    void synQueueFullWithoutSyncookies() throws Exception {
        ProbeScenarios.synQueueFull(mode, null);
    }

    @Test
    void forcedSyncookiesDropForTheAcceptQueueNeverForTheSynQueue() throws Exception {
        ProbeScenarios.forcedSyncookies(mode, null);
    }

    @Test
    void timeWaitPawsFromTheTimewaitHook() throws Exception {
        ProbeScenarios.timeWaitPaws(mode, null);
    }

    @Test
    void answeredSynsAreNotReportedAsDrops() throws Exception {
        ProbeScenarios.answeredSynsAreNotDrops(mode, null);
    }

    @Test
    void closedPortDropsKeepTheirKernelReason() throws Exception {
        ProbeScenarios.closedPort(mode, null);
    }
}
