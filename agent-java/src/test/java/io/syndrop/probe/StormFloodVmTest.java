package io.syndrop.probe;

import io.syndrop.testbed.vm.VmHarness;
import io.syndrop.testbed.vm.VmResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link StormVmScenarios} (a SYN-queue flood, storm summaries reconciled with ListenDrops) on Debian's 6.1 under QEMU. */
class StormFloodVmTest {
    @Test
    void synQueueFloodInFentryModeOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withSystemProperty("syndrop.mode", "fentry")
                .runTestClass(StormVmScenarios.class, Duration.ofMinutes(15));
        r.assertSucceeded();
    }

    @Test
    void synQueueFloodWithTheBccBackendOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withKernelHeaders().withMemoryMb(2048)
                .withSystemProperty("syndrop.mode", "bcc")
                .runTestClass(StormVmScenarios.class, Duration.ofMinutes(20));
        r.assertSucceeded();
    }
}
