package io.syndrop.identity;

import io.syndrop.proto.v1.DropEvent;

/** What is known about who dropped a SYN: the listener's process (if any) and its container and pod. */
public record Identity(ListenerProcess process, ContainerInfo container) {
    public Identity {
        container = container == null ? ContainerInfo.UNKNOWN : container;
    }

    /** Writes the known fields into the event; unknown ones stay empty. */
    public void applyTo(DropEvent.Builder e) {
        if (process != null) {
            e.setProcessPid(process.pid())
                    .setProcessComm(process.comm())
                    .setProcessExe(process.exe())
                    .setProcessUnit(process.unit());
        }
        if (container != ContainerInfo.UNKNOWN) {
            e.setContainerId(container.containerId())
                    .setContainerName(container.containerName())
                    .setContainerImage(container.image())
                    .setContainerRuntime(container.runtime())
                    .setPodUid(container.podUid())
                    .setPodNamespace(container.podNamespace())
                    .setPodName(container.podName());
        }
    }
}
