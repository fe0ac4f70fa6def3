package io.syndrop.probe;

import io.syndrop.testbed.vm.VmHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The kernel matrix: Debian's own kernels other than bookworm's 6.1 (which {@link KernelProbesVmTest}
 * covers), each booted once under QEMU, where the same CO-RE object must load in every mode
 * ({@link KernelMatrixChecks}) and the reason scenarios must reconcile with that kernel's counters.
 *
 * <p>{@code -Dsyndrop.kernels} picks what runs (docs/vm-harness.md, "The kernel matrix"):
 * <ul>
 * <li>{@code ci} (the default, what CI runs): bullseye's 5.10 and trixie's 6.12, one boot each: the
 *     load checks of every mode on both, and the fentry scenarios (the reason set) on 5.10, the kernel
 *     furthest from 6.1 (no drop reasons), whose full set {@link KernelProbesVmTest} runs; 6.12's
 *     scenarios would add about 4 minutes to a CI run that has to stay under 45;</li>
 * <li>{@code all}: 5.10, bookworm's 6.1 and 6.12, each with the load checks, the fentry and kprobe
 *     scenarios in one JVM, and the BCC scenarios against the kernel's Debian headers in a second boot;</li>
 * <li>a comma-separated list of kernel names ({@code debian-5.10,debian-6.12}; {@code debian-6.1} is
 *     the host apt's linux-image-amd64) with the {@code all} set of classes, or the CI set with
 *     {@code -Dsyndrop.matrix.full=false}.</li>
 * </ul>
 * A kernel that cannot be fetched or booted fails its row with the harness's reason; none is skipped.
 */
class KernelMatrixVmTest {
    /** The host apt's own Debian kernel (bookworm's linux-image-amd64), which needs no pin. */
    static final String BOOKWORM = "debian-6.1";
    /** The one kernel of the CI set whose boot also runs the reason scenarios. */
    static final String CI_SCENARIOS_ON = "debian-5.10";

    static List<String> kernels() {
        String want = System.getProperty("syndrop.kernels", "ci").trim();
        return switch (want) {
            case "ci" -> List.of("debian-5.10", "debian-6.12");
            case "all" -> List.of("debian-5.10", BOOKWORM, "debian-6.12");
            default -> Arrays.stream(want.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
        };
    }

    /** The {@code all} set of classes; {@code -Dsyndrop.matrix.full=false} runs the CI set on a given list. */
    private static boolean full() {
        String dflt = Boolean.toString(!System.getProperty("syndrop.kernels", "ci").trim().equals("ci"));
        return Boolean.parseBoolean(System.getProperty("syndrop.matrix.full", dflt));
    }

    private static VmHarness on(String kernel) {
        VmHarness vm = VmHarness.forThisCheckout();
        return kernel.equals(BOOKWORM) ? vm : vm.withKernel(kernel);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kernels")
    void sameObjectLoadsAndTheReasonScenariosReconcile(String kernel) {
        List<Class<?>> classes = new ArrayList<>(List.of(KernelMatrixChecks.class));
        if (full() || kernel.equals(CI_SCENARIOS_ON)) {
            classes.add(FentryScenarios.class);
        }
        if (full()) {
            classes.add(KprobeScenarios.class);
        }
        on(kernel).runTestClasses(Duration.ofMinutes(full() ? 30 : 18), classes.toArray(Class<?>[]::new))
                .assertSucceeded();
        if (full()) {
            on(kernel).withKernelHeaders().withMemoryMb(2048)
                    .runTestClass(BccProbeScenarios.class, Duration.ofMinutes(20)).assertSucceeded();
        }
    }
}
