package io.syndrop.counters;

/** How much one counter moved between two samples; {@code perSecond} is NaN when the interval is unknown. */
public record CounterChange(String key, long delta, double perSecond) {
    @Override
    public String toString() {
        return key + " +" + delta;
    }
}
