package io.syndrop.layoutfixture.lower;

import io.syndrop.layoutfixture.upper.Caller;

/** The other half: reaching back up closes the cycle. */
public final class Callee {
    public static int answer() {
        return 42;
    }

    public static int back() {
        return Caller.call();
    }
}
