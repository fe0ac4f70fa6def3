package io.syndrop.identity;

import io.syndrop.filter.WorkloadFilter;
import io.syndrop.proto.v1.DropEvent;
import java.util.HashSet;
import java.util.Set;

/**
 * The network namespaces a workload filter reduces to in the kernel: every namespace in which a
 * drop could match it in Java. A superset on purpose: Java keeps the exact match.
 *
 * <ul>
 * <li>pods, Kubernetes namespaces, containers: the namespaces of the running containers (pod
 *     sandboxes included) whose names match, from the runtimes. A hostNetwork pod's is the host's,
 *     so the host namespace passes then, with every other drop in it.</li>
 * <li>processes: the namespaces the threads of each process whose comm or pid matches are in (and,
 *     with container dimensions too, only processes whose container matches). A drop with no
 *     listener (TIME-WAIT, closed port) never matches a process, so nothing else is needed.</li>
 * </ul>
 *
 * Called from the identity stage's resolver thread: it reads /proc and asks the runtimes.
 */
final class WorkloadNamespaces {
    private WorkloadNamespaces() {
    }

    static Set<Long> of(WorkloadFilter w, ContainerLookup containers, ProcFiles proc) {
        Set<Long> out = new HashSet<>();
        if (w.isAny()) {
            return out;
        }
        WorkloadFilter owners = w.withoutProcesses();
        if (w.processes().isEmpty()) {
            for (ContainerLookup.RunningContainer rc : containers.running()) {
                if (owners.matches(event(null, rc.info()))) {
                    proc.netnsInode(rc.pid()).ifPresent(out::add);
                }
            }
            return out;
        }
        WorkloadFilter processes = w.processesOnly();
        for (int pid : proc.pids()) {
            String comm = proc.comm(pid).orElse(null);
            if (comm == null || !processes.matches(event(new ListenerProcess(pid, comm, "", ""), null))) {
                continue;
            }
            if (!owners.isAny() && !owners.matches(event(null, containers.byPid(pid).orElse(ContainerInfo.UNKNOWN)))) {
                continue;
            }
            out.addAll(proc.threadNetnsInodes(pid));
        }
        return out;
    }

    /** An event carrying only this identity, for {@link WorkloadFilter#matches}: one definition of a match. */
    private static DropEvent event(ListenerProcess p, ContainerInfo c) {
        DropEvent.Builder b = DropEvent.newBuilder();
        new Identity(p, c).applyTo(b);
        return b.build();
    }
}
