package io.syndrop.probe;

import org.junit.jupiter.api.BeforeAll;

/** {@link StormVmScenarios} in the BCC backend mode, so one VM JVM can run it next to the other scenarios. */
class BccStormScenarios extends StormVmScenarios {
    @BeforeAll
    static void bccMode() {
        mode = AttachMode.BCC;
    }
}
