package io.syndrop.agent;

/**
 * Where an agent's events come from: the kernel probes in production, a recorded stream in tests
 * and benchmarks. A source pushes into the pipeline from its own thread(s) with
 * {@link EventPipeline#offer}, which never blocks.
 */
public interface EventSource extends AutoCloseable {
    /** Starts delivering; returns promptly. */
    void start(EventPipeline pipeline) throws Exception;

    /** True once a finite source has delivered everything (a live kernel source never finishes). */
    default boolean finished() {
        return false;
    }

    @Override
    void close() throws Exception;
}
