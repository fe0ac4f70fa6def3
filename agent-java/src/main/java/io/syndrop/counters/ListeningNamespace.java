package io.syndrop.counters;

import java.io.IOException;
import io.syndrop.os.NetnsTarget;

/**
 * A network namespace found to have TCP listeners, how to read its counters, and what to call it
 * in output: "host", "netns web1 (ino N)" for a name under /var/run/netns, else
 * "netns ino N (pid 1234 nginx)" after the lowest-numbered process in it.
 */
public record ListeningNamespace(long inode, String label, NetnsTarget target) {
    public boolean isHost() {
        return target.kind() == NetnsTarget.Kind.HOST;
    }

    /**
     * Reads this namespace's counters, and refuses a sample from any other namespace: the pid it is
     * read through may exit and be reused elsewhere, a name may be re-created.
     */
    public CounterSource reader(boolean withSysctls) {
        CounterReader reader = new CounterReader(target, withSysctls);
        return () -> {
            CounterSnapshot s;
            try {
                s = reader.sample();
            } catch (IOException e) {
                throw new IOException("cannot read its counters (is it gone?): " + e.getMessage(), e);
            }
            if (s.netnsIno() != inode) {
                throw new IOException("it is gone: " + target.describe() + " is now netns ino " + s.netnsIno());
            }
            return new CounterSnapshot(s.time(), s.netstat(), s.snmp(), s.sysctls(), s.netnsIno(), label);
        };
    }
}
