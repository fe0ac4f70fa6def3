package io.syndrop.counters;

import java.io.IOException;

/** Something that can take a counters sample now: the live kernel, a test double of a recorded series... */
@FunctionalInterface
public interface CounterSource {
    CounterSnapshot sample() throws IOException;
}
