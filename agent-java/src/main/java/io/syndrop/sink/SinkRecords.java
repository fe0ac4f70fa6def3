package io.syndrop.sink;

import io.syndrop.proto.v1.WatchItem;
import java.util.List;

/**
 * One committed group's records, in sequence order, as the collector hands them to its sinks.
 * A drop event may still be the protobuf bytes its agent sent ({@link #encoded}): a sink that
 * formats bytes (the JSON sink) writes it without a DropEvent; any other sink asks for
 * {@link #item}/{@link #items}, which parse on first use and are then shared by every sink.
 */
public interface SinkRecords {
    int size();

    /** Record i as a message, with the batch's agent id, boot and node filled in where it lacked them. */
    WatchItem item(int i);

    /** Every record as a message (see {@link #item}). */
    List<WatchItem> items();

    /** True when record i is a DropEvent held as bytes: {@link #array}, {@link #offset}, {@link #length}. */
    boolean encoded(int i);

    byte[] array(int i);

    int offset(int i);

    int length(int i);

    /** The batch's agent id, boot and node, for an encoded event that lacks its own. */
    String batchAgentId(int i);

    long batchBoot(int i);

    String batchNode(int i);

    /** Records that are all messages already. */
    static SinkRecords of(List<WatchItem> items) {
        return new SinkRecords() {
            @Override
            public int size() {
                return items.size();
            }

            @Override
            public WatchItem item(int i) {
                return items.get(i);
            }

            @Override
            public List<WatchItem> items() {
                return items;
            }

            @Override
            public boolean encoded(int i) {
                return false;
            }

            @Override
            public byte[] array(int i) {
                throw new IllegalStateException("record " + i + " is a message");
            }

            @Override
            public int offset(int i) {
                throw new IllegalStateException("record " + i + " is a message");
            }

            @Override
            public int length(int i) {
                throw new IllegalStateException("record " + i + " is a message");
            }

            @Override
            public String batchAgentId(int i) {
                return items.get(i).getEvent().getAgentId();
            }

            @Override
            public long batchBoot(int i) {
                return items.get(i).getEvent().getAgentBoot();
            }

            @Override
            public String batchNode(int i) {
                return items.get(i).getEvent().getNode();
            }
        };
    }
}
