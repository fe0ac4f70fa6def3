package io.syndrop.collector;

import io.syndrop.proto.v1.WatchItem;
import io.syndrop.sink.SinkRecords;
import java.util.AbstractList;
import java.util.List;

/**
 * The records of one committer group that are new to the sinks, in order: each one a record of a
 * {@link ReceivedBatch}. Drop events stay bytes unless a sink or a live subscriber asks for the
 * message; then each is parsed once for the group (a retried group reuses them).
 */
final class GroupRecords implements SinkRecords {
    private ReceivedBatch[] batch = new ReceivedBatch[1024];
    private int[] record = new int[1024];
    private WatchItem[] parsed = new WatchItem[1024];
    private int n;

    void clear() {
        java.util.Arrays.fill(batch, 0, n, null);
        java.util.Arrays.fill(parsed, 0, n, null);
        n = 0;
    }

    void add(ReceivedBatch b, int r) {
        if (n == batch.length) {
            batch = java.util.Arrays.copyOf(batch, n * 2);
            record = java.util.Arrays.copyOf(record, n * 2);
            parsed = java.util.Arrays.copyOf(parsed, n * 2);
        }
        batch[n] = b;
        record[n++] = r;
    }

    boolean isEmpty() {
        return n == 0;
    }

    @Override
    public int size() {
        return n;
    }

    @Override
    public WatchItem item(int i) {
        WatchItem it = parsed[i];
        if (it == null) {
            it = batch[i].item(record[i]);
            parsed[i] = it;
        }
        return it;
    }

    @Override
    public List<WatchItem> items() {
        return new AbstractList<>() {
            @Override
            public WatchItem get(int i) {
                return item(i);
            }

            @Override
            public int size() {
                return n;
            }
        };
    }

    @Override
    public boolean encoded(int i) {
        return record[i] < batch[i].events();
    }

    @Override
    public byte[] array(int i) {
        return batch[i].array();
    }

    @Override
    public int offset(int i) {
        return batch[i].eventOffset(record[i]);
    }

    @Override
    public int length(int i) {
        return batch[i].eventLength(record[i]);
    }

    @Override
    public String batchAgentId(int i) {
        return batch[i].agentId();
    }

    @Override
    public long batchBoot(int i) {
        return batch[i].boot();
    }

    @Override
    public String batchNode(int i) {
        return batch[i].node();
    }
}
