package io.syndrop.probe;

import io.syndrop.testbed.vm.VmHarness;
import io.syndrop.testbed.vm.VmResult;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@link StormVmScenarios} (a SYN-queue flood, storm summaries reconciled with ListenDrops) under QEMU:
 * fentry on Debian's 6.1, and the BCC flavour on linux-4.9.337 (the kernel cache, as Kernel49VmTest).
 */
class StormFloodVmTest {
    @Test
    void synQueueFloodInFentryModeOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withSystemProperty("syndrop.mode", "fentry")
                .runTestClass(StormVmScenarios.class, Duration.ofMinutes(15));
        r.assertSucceeded();
    }

    /** The BCC flavour on a real 4.9 (helpers write only to the stack, 512 bytes of it; no BTF). */
    @Test
    void synQueueFloodWithTheBccBackendOnLinux49() {
        VmResult r = VmHarness.forThisCheckout().withKernel("linux-4.9.337").withMemoryMb(3072)
                .withSystemProperty("syndrop.mode", "bcc")
                .runTestClass(StormVmScenarios.class, Duration.ofMinutes(30));
        r.assertSucceeded();
    }
}
