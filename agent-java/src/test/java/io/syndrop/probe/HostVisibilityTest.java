package io.syndrop.probe;

import org.junit.jupiter.api.Test;

/**
 * The kernel matrix's row for this machine's own kernel (6.18 on the development and CI machines,
 * which allow only tracepoint mode): what tracepoint mode says it cannot see follows from this
 * kernel's BTF. Needs root and BTF; fails without them.
 */
class HostVisibilityTest {
    @Test
    void tracepointModeSaysWhatThisKernelHidesFromIt() throws Exception {
        KernelMatrixChecks.checkTracepointMode();
    }
}
