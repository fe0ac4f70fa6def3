package io.syndrop.doctor;

import java.util.List;

/** One way to fix a finding: what to do, the exact commands (may be empty), and what it costs. */
public record Remedy(String action, List<String> commands, String tradeoff) {
    public Remedy {
        commands = List.copyOf(commands);
    }
}
