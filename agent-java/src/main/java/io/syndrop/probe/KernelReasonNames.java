package io.syndrop.probe;

import java.util.function.IntFunction;

/** Names of enum skb_drop_reason values, read from the running kernel's BTF through the shim. */
public final class KernelReasonNames implements IntFunction<String> {
    @Override
    public String apply(int value) {
        byte[] buf = new byte[128];
        int n = NativeBundle.get().shim().syndrop_drop_reason_name(value, buf, buf.length);
        return n < 0 ? null : ProbeSession.cString(buf);
    }
}
