package io.syndrop.probe;

import io.syndrop.testbed.vm.VmHarness;
import io.syndrop.testbed.vm.VmResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * fentry/fexit and kprobe modes on Debian's stock 6.1 kernel under QEMU, because this machine's
 * kernel refuses both: the programs must pass that kernel's verifier and every scenario of
 * {@link KernelProbeScenarios} must hold there, in both modes. One boot runs the load checks of
 * every mode and both modes' scenarios in one JVM (a boot and a JVM start under TCG cost a minute);
 * the other kernels are {@link KernelMatrixVmTest}'s.
 */
class KernelProbesVmTest {

    @Test
    void fentryAndKprobeModesOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().runTestClasses(Duration.ofMinutes(24),
                KernelMatrixChecks.class, FentryScenarios.class, KprobeScenarios.class);
        r.assertSucceeded();
    }

    @Test
    void bccBackendOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withKernelHeaders().withMemoryMb(2048)
                .runTestClass(BccProbeScenarios.class, Duration.ofMinutes(15));
        r.assertSucceeded();
    }
}
