package io.syndrop.probe;

import com.sun.jna.Library;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;

import java.nio.ByteBuffer;

/** JNA view of native/syndrop_shim.h. Each call crosses into C once; drain moves many events. */
interface ShimLibrary extends Library {
    Pointer syndrop_open(ShimOptions opts, IntByReference err, byte[] errbuf, int errlen);

    int syndrop_drain(Pointer handle, ByteBuffer buf, int maxEvents, int timeoutMs);

    void syndrop_wake(Pointer handle);

    int syndrop_lost(Pointer handle, long[] perSlot, int nslots);

    int syndrop_programs(Pointer handle, byte[] buf, int len);

    int syndrop_loaded_config(Pointer handle, LoadedConfig out, int len);

    int syndrop_workload_update(Pointer handle, long[] inos, int n, int allow);

    int syndrop_workload_list(Pointer handle, long[] buf, int max);
    int syndrop_storm_read(Pointer handle, ByteBuffer buf, int maxEntries, com.sun.jna.ptr.LongByReference epochNs);

    void syndrop_close(Pointer handle);

    int syndrop_event_size();

    int syndrop_layout_version();

    int syndrop_field_offset(String field);

    int syndrop_drop_reason_name(int value, byte[] buf, int len);
}
