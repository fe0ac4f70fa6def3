package io.syndrop.probe;

import io.syndrop.filter.Cidr;
import io.syndrop.filter.EventFilter;
import io.syndrop.proto.v1.Reason;

/**
 * Pushes the part of an {@link EventFilter} the BPF programs can apply into the shim options, so
 * filtered-out drops never cross into user space. What the kernel side cannot express (more than
 * eight ports, several CIDRs or namespaces) stays unfiltered there and is applied in Java.
 */
final class KernelFilter {
    private KernelFilter() {}

    static ShimOptions toOptions(EventFilter f, int ringbufBytes) {
        ShimOptions o = new ShimOptions();
        o.ringbufBytes = ringbufBytes;
        if (!f.ports().isEmpty() && f.ports().size() <= o.ports.length) {
            o.nports = f.ports().size();
            for (int i = 0; i < o.nports; i++) {
                o.ports[i] = (short) (int) f.ports().get(i);
            }
        }
        if (f.srcCidrs().size() == 1) {
            Cidr c = f.srcCidrs().get(0);
            o.srcFamily = c.isIpv6() ? 10 : 2;
            byte[] a = c.address();
            System.arraycopy(a, 0, o.srcAddr, 0, a.length);
            o.srcPrefix = c.prefix();
        }
        if (f.netnsInos().size() == 1) {
            o.netnsIno = f.netnsInos().get(0);
        }
        // The namespaces of the workloads named are filled in after load (ProbeSession.workloadNetns()),
        // by a root or a non-root agent alike (ContainerImageIT runs it as uid 10001 with the image's
        // capabilities); Java applies the exact filter again on what the kernel passes.
        o.workloadNetns = f.workload().isAny() ? 0 : 1;
        for (Reason r : f.reasons()) {
            o.reasonMask |= 1 << r.getNumber();
        }
        return o;
    }
}
