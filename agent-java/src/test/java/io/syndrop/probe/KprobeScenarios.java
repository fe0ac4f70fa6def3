package io.syndrop.probe;

import org.junit.jupiter.api.BeforeAll;

/** {@link KernelProbeScenarios} in kprobe mode whatever -Dsyndrop.mode says: one JVM can run both modes. */
class KprobeScenarios extends KernelProbeScenarios {
    @BeforeAll
    static void kprobeMode() {
        mode = AttachMode.KPROBE;
    }
}
