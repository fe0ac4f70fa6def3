package io.syndrop.probe;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The BCC backend on Debian's 6.1 kernel (VM harness, kernel headers seen through the shared
 * root): the same scenarios and the same reconciliation as the CO-RE modes. One BCC compile (minutes
 * under TCG) serves both scenarios; each counts only its own namespace's events.
 */
class BccProbeScenarios {
    private static ProbeRecorder shared;

    @BeforeAll
    static void compileOnce() throws Exception {
        ProbeScenarios.requireVm();
        shared = ProbeRecorder.start(AttachMode.BCC, 0);
    }

    @AfterAll
    static void detach() throws InterruptedException {
        if (shared != null) {
            shared.close();
        }
    }

    @Test
    void acceptQueueFull() throws Exception {
        ProbeScenarios.acceptQueueFull(AttachMode.BCC, shared);
    }

    @Test
    void unprovenPeers() throws Exception {
        ProbeScenarios.unprovenPeers(AttachMode.BCC, shared);
    }

    @Test
    void forcedSyncookiesDropForTheAcceptQueueNeverForTheSynQueue() throws Exception {
        ProbeScenarios.forcedSyncookies(AttachMode.BCC, shared);
    }

    @Test
    void answeredSynsAreNotReportedAsDrops() throws Exception {
        ProbeScenarios.answeredSynsAreNotDrops(AttachMode.BCC, shared);
    }
}
