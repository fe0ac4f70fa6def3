package io.syndrop.identity;

import java.util.List;
import java.util.Optional;

/**
 * Maps a process or a network namespace to its container and pod. Implementations may ask a
 * container runtime over its socket, so callers must never call this from the kernel drain's
 * thread: the identity resolver calls it from its own thread and events flow meanwhile with what
 * is already known. Implementations bound their caches and time out their calls; a runtime that
 * is not there is not an error (the answer is empty).
 */
public interface ContainerLookup extends AutoCloseable {

    /** The container process {@code pid} (in the agent's pid namespace) runs in, from its cgroup. */
    Optional<ContainerInfo> byPid(int pid);

    /** The container or pod sandbox that owns the network namespace with this inode. */
    Optional<ContainerInfo> byNetns(long netnsInode);

    /**
     * The containers running now, each with its init process (in the agent's pid namespace), host-network
     * ones included: what the kernel's workload filter is filled from. Asks the runtimes; never call it
     * from the drain's thread.
     */
    default List<RunningContainer> running() {
        return List.of();
    }

    /** A running container and its init process. */
    record RunningContainer(ContainerInfo info, int pid) {
    }

    @Override
    default void close() {
    }

    /** For hosts without containers, and for tests of the rest of the identity path. */
    ContainerLookup NONE = new ContainerLookup() {
        @Override
        public Optional<ContainerInfo> byPid(int pid) {
            return Optional.empty();
        }

        @Override
        public Optional<ContainerInfo> byNetns(long netnsInode) {
            return Optional.empty();
        }
    };
}
