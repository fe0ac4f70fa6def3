package io.syndrop.probe;

import io.syndrop.testbed.vm.VmHarness;
import io.syndrop.testbed.vm.VmResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * fentry/fexit and kprobe modes on Debian's stock 6.1 kernel under QEMU, because this machine's
 * kernel refuses both: the programs must pass that kernel's verifier and every scenario of
 * {@link KernelProbeScenarios} must hold there, in both modes. One boot runs the load checks of
 * every mode, both modes' scenarios and the SYN-queue storm ({@link StormVmScenarios}) in one JVM (a
 * boot and a JVM start under TCG cost a minute); the BCC boot runs BCC's scenarios and its storm;
 * the other kernels are {@link KernelMatrixVmTest}'s.
 */
class KernelProbesVmTest {

    @Test
    void fentryAndKprobeModesOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().runTestClasses(Duration.ofMinutes(24),
                KernelMatrixChecks.class, FentryScenarios.class, KprobeScenarios.class, FentryStormScenarios.class);
        r.assertSucceeded();
    }

    @Test
    void bccBackendOnDebian61() {
        VmResult r = VmHarness.forThisCheckout().withKernelHeaders().withMemoryMb(2048)
                .runTestClasses(Duration.ofMinutes(20), BccProbeScenarios.class, BccStormScenarios.class);
        r.assertSucceeded();
    }
}
