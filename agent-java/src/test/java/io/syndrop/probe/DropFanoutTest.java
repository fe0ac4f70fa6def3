package io.syndrop.probe;

import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DropFanoutTest {
    /** Writes what it is told into a journal shared by all listeners, so the order across them shows. */
    private record Journaling(String name, List<String> journal) implements DropListener {
        @Override
        public void onEvent(DropEvent event) {
            journal.add(name + " event " + event.getSeq());
        }

        @Override
        public void onLoss(LossRecord loss) {
            journal.add(name + " loss " + loss.getCount());
        }

        @Override
        public void onBatchEnd() {
            journal.add(name + " batch end");
        }
    }

    @Test
    void everyListenerGetsEverythingInTheOrderGiven() {
        List<String> journal = new ArrayList<>();
        DropListener both = DropFanout.of(new Journaling("pipeline", journal), null, new Journaling("printer", journal));
        both.onEvent(DropEvent.newBuilder().setSeq(7).build());
        both.onLoss(LossRecord.newBuilder().setCount(3).build());
        both.onBatchEnd();
        assertEquals(List.of("pipeline event 7", "printer event 7", "pipeline loss 3", "printer loss 3",
                "pipeline batch end", "printer batch end"), journal);
    }

    @Test
    void oneListenerIsUsedAsItIs() {
        DropListener only = new Journaling("only", new ArrayList<>());
        assertSame(only, DropFanout.of(only, null));
    }

    @Test
    void noListenerIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DropFanout.of((DropListener) null));
        assertEquals("a probe needs at least one listener for its drops", e.getMessage());
    }
}
