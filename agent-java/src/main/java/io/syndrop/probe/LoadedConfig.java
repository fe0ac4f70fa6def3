package io.syndrop.probe;

import com.sun.jna.Structure;

/**
 * Mirror of struct syndrop_config (bpf/syndrop.h), as read back from the kernel after load
 * ({@link ProbeSession#loadedConfig()}); field order is the C order. The shim reports the C size,
 * so a field added on one side only is an error, not a silent shift.
 */
@Structure.FieldOrder({"ports", "nports", "srcFamily", "srcAddr", "srcPrefix", "reasonMask", "netnsIno",
        "kfreeReportsTwPaws", "kfreeReportsOverflow", "workloadNetns", "pad", "listenDropsMib",
        "stormOn", "stormPrefix4", "stormPrefix6", "pad2", "detailBurst", "detailIntervalNs", "detailToleranceNs"})
public class LoadedConfig extends Structure {
    public short[] ports = new short[8];
    public int nports;
    public int srcFamily;
    public byte[] srcAddr = new byte[16];
    public int srcPrefix;
    public int reasonMask;
    public long netnsIno;
    public byte kfreeReportsTwPaws;
    public byte kfreeReportsOverflow;
    public byte workloadNetns;
    public byte pad;
    public int listenDropsMib;
    public byte stormOn;
    public byte stormPrefix4;
    public byte stormPrefix6;
    public byte pad2;
    public int detailBurst;
    public long detailIntervalNs;
    public long detailToleranceNs;
}
