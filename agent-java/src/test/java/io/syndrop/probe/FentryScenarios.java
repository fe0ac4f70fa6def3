package io.syndrop.probe;

import org.junit.jupiter.api.BeforeAll;

/** {@link KernelProbeScenarios} in fentry mode whatever -Dsyndrop.mode says: one JVM can run both modes. */
class FentryScenarios extends KernelProbeScenarios {
    @BeforeAll
    static void fentryMode() {
        mode = AttachMode.FENTRY;
    }
}
