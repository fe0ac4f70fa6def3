package io.syndrop.probe;

import org.junit.jupiter.api.BeforeAll;

/** {@link StormVmScenarios} in fentry mode, so one VM JVM can run it next to the other scenarios. */
class FentryStormScenarios extends StormVmScenarios {
    @BeforeAll
    static void fentryMode() {
        mode = AttachMode.FENTRY;
    }
}
