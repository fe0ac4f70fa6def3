package io.syndrop.identity;

import java.util.List;
import java.util.Optional;

/** One container runtime's own API, as far as container resolution needs it. */
interface RuntimeApi extends AutoCloseable {

    /** The {@link ContainerInfo#runtime()} name of the containers this API answers for. */
    String runtime();

    /**
     * The container with this id.
     *
     * @param namespaceHint the containerd namespace the cgroup path named, or ""
     * @return empty when the runtime does not know the id
     * @throws RuntimeUnavailableException when the runtime cannot be asked (no socket, timeout, error)
     */
    Optional<RuntimeContainer> inspect(String id, String namespaceHint) throws RuntimeUnavailableException;

    /** The containers that have a running process, each with its init pid (0 when only {@link #inspect} tells). */
    List<RuntimeTask> running() throws RuntimeUnavailableException;

    @Override
    void close();

    /**
     * What a runtime says about one container.
     *
     * @param pid     the container's init process (its task) in the agent's pid namespace, 0 when it runs none
     * @param sandbox a pod sandbox (the pause container that holds the pod's namespaces)
     */
    record RuntimeContainer(ContainerInfo info, int pid, boolean sandbox) {
    }

    /** A running container; {@code namespace} is its containerd namespace ("" for Docker). */
    record RuntimeTask(String namespace, String containerId, int pid) {
    }
}
