package io.syndrop.layoutfixture.upper;

import io.syndrop.layoutfixture.lower.Callee;

/** Half of the deliberate package cycle that PackageLayoutTest's cycle rule must reject. */
public final class Caller {
    public static int call() {
        return Callee.answer();
    }
}
