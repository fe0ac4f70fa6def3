package io.syndrop.cli;

import io.syndrop.probe.AttachMode;
import io.syndrop.probe.KernelProbe;
import io.syndrop.probe.Visibility;

import java.util.List;

/**
 * What the attached probe cannot see on this kernel, said when it starts so that silence is never
 * taken for health. Read from what the loader attached ({@link Visibility}), so the same mode says
 * different things on 5.10, 6.1 and 6.18.
 */
final class BlindSpots {
    private BlindSpots() {}

    /** One sentence per blind spot of this attached probe; empty when it sees every drop this kernel can make. */
    static List<String> of(KernelProbe probe) {
        return Visibility.of(probe).blind();
    }

    /** The sentence for a mode that has no probe attached (counters). */
    static String of(AttachMode mode) {
        List<String> b = Visibility.ofMode(mode).blind();
        return b.isEmpty() ? null : String.join("; ", b);
    }
}
