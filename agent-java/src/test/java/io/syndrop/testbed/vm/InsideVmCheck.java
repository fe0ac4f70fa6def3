package io.syndrop.testbed.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/**
 * Runs only inside the VM, started by {@link VmHarnessTest} through
 * {@link VmHarness#runTestClass}; its name keeps it out of surefire's includes. Run on the host it
 * fails, on purpose: it is not a host test.
 */
class InsideVmCheck {

  /** Set by the outer test to make {@link #failsWhenAsked()} fail and prove failures come back. */
  static final String FAIL_PROPERTY = "syndrop.vm.selfcheck.fail";
  /** The host's kernel release, passed in by the outer test. */
  static final String HOST_RELEASE_PROPERTY = "syndrop.vm.selfcheck.host-release";

  @Test
  void seesItRunsInTheVmOnAnotherKernel() {
    assertTrue(VmHarness.inVm(), "-D" + VmHarness.IN_VM_PROPERTY + "=true not visible here");
    assertEquals("1", System.getenv("SYNDROP_IN_VM"), "SYNDROP_IN_VM not exported by run.sh");
    String host = System.getProperty(HOST_RELEASE_PROPERTY);
    assertTrue(host != null && !host.isEmpty(), "the outer test did not pass the host release");
    assertNotEquals(host, System.getProperty("os.version"), "same kernel as the host: not in the VM");
  }

  @Test
  void failsWhenAsked() {
    if (Boolean.getBoolean(FAIL_PROPERTY)) {
      fail("failing on purpose because -D" + FAIL_PROPERTY + "=true (kernel "
          + System.getProperty("os.version") + ")");
    }
  }
}
