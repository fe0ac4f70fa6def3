package io.syndrop.identity;

/**
 * The process holding a listening socket, as /proc shows it to the agent. Strings the agent could
 * not read are empty, never null.
 *
 * @param pid  in the agent's pid namespace (the node's, with hostPID)
 * @param comm /proc/PID/comm
 * @param exe  the target of /proc/PID/exe
 * @param unit the systemd unit of its cgroup ("nginx.service"), empty outside one
 */
public record ListenerProcess(int pid, String comm, String exe, String unit) {
    public ListenerProcess {
        comm = comm == null ? "" : comm;
        exe = exe == null ? "" : exe;
        unit = unit == null ? "" : unit;
    }
}
