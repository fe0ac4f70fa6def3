package io.syndrop.legacy;

import io.syndrop.testbed.vm.VmHarness;
import io.syndrop.testbed.vm.VmResult;
import org.junit.jupiter.api.Test;

import java.time.Duration;

/**
 * The seed's tcp_tw_recycle failure and the rest of the BCC backend on a real 4.9 kernel: one VM
 * boot of linux-4.9.337 from the kernel cache (scripts/vm/fill-kernel-cache.sh or
 * scripts/vm/build-kernel-4.9.sh fill it; a missing kernel fails here with those commands).
 */
class Kernel49VmTest {
    static final String KERNEL = "linux-4.9.337";

    @Test
    void seedFailureAndBccBackendOnLinux49() {
        VmResult r = VmHarness.forThisCheckout().withKernel(KERNEL).withMemoryMb(3072)
                .runTestClass(Kernel49Scenarios.class, Duration.ofMinutes(30));
        r.assertSucceeded();
    }
}
