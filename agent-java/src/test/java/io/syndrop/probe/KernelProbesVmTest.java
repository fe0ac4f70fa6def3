package io.syndrop.probe;

import io.syndrop.testbed.vm.VmHarness;
import io.syndrop.testbed.vm.VmResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * fentry/fexit and kprobe modes on Debian's stock 6.1 kernel under QEMU, because this machine's
 * kernel refuses both: the programs must pass that kernel's verifier and every scenario of
 * {@link KernelProbeScenarios} must hold there.
 */
class KernelProbesVmTest {
    private static final Duration LIMIT = Duration.ofMinutes(12);

    @Test
    void fentryModeOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withSystemProperty("syndrop.mode", "fentry")
                .runTestClass(KernelProbeScenarios.class, LIMIT);
        r.assertSucceeded();
    }

    @Test
    void bccBackendOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withKernelHeaders().withMemoryMb(2048)
                .runTestClass(BccProbeScenarios.class, Duration.ofMinutes(15));
        r.assertSucceeded();
    }

    @Test
    void kprobeModeOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withSystemProperty("syndrop.mode", "kprobe")
                .runTestClass(KernelProbeScenarios.class, LIMIT);
        r.assertSucceeded();
    }
}
