package io.syndrop.doctor;

import java.util.List;
import java.util.Optional;

/** One diagnosis: looks at the evidence and reports a finding when its problem shows. */
interface Rule {
    /** Counters the rule looks at, reported as "checked" when nothing is wrong. */
    List<String> counters();

    Optional<Finding> evaluate(Evidence e);
}
