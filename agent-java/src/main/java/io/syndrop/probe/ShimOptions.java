package io.syndrop.probe;

import com.sun.jna.Structure;

/** Mirror of struct syndrop_options (native/syndrop_shim.h); field order is the C order. */
@Structure.FieldOrder({"mode", "ringbufBytes", "nports", "ports", "srcFamily", "srcAddr", "srcPrefix",
        "netnsIno", "reasonMask", "libbpfDebug", "workloadNetns", "stormOn", "stormKeys", "stormPrefix4", "stormPrefix6",
        "detailRate", "detailBurst"})
public class ShimOptions extends Structure {
    public int mode;
    public int ringbufBytes;
    public int nports;
    public short[] ports = new short[8];
    public int srcFamily;
    public byte[] srcAddr = new byte[16];
    public int srcPrefix;
    public long netnsIno;
    public int reasonMask;
    public int libbpfDebug;
    /** 1: only drops in the namespaces of the workload map ({@link ProbeSession#workloadNetns()}). */
    public int workloadNetns;
    public int stormOn;
    public int stormKeys;
    public int stormPrefix4;
    public int stormPrefix6;
    public int detailRate;
    public int detailBurst;
}
