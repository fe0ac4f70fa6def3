package io.syndrop.cli;

import io.syndrop.input.UsageException;
import io.syndrop.pcap.PcapRecorder;
import io.syndrop.pcap.PcapngFile;
import io.syndrop.probe.DropListener;
import io.syndrop.proto.v1.DropEvent;
import io.syndrop.proto.v1.LossRecord;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --pcap FILE} of watch and agent: the dropped segments as pcapng, written off the drain (docs/pcap.md). */
public final class PcapOptions {
    static final long DEFAULT_MAX_BYTES = 64L << 20;
    static final long DEFAULT_MAX_TOTAL = 512L << 20;

    @Option(names = "--pcap", paramLabel = "FILE", description = {
            "also write each dropped segment's IP and TCP headers to FILE as pcapng, the drop's reason and",
            "proof in each packet's comment (an existing FILE gets a new section); see docs/pcap.md"})
    Path file;

    @Option(names = "--pcap-max-bytes", paramLabel = "N", converter = OptionConverters.SizeValue.class,
            description = "rotate FILE to FILE.000001, ... when it reaches N, 4K-1T (default 64M)")
    Long maxBytes;

    @Option(names = "--pcap-max-total", paramLabel = "N", converter = OptionConverters.SizeValue.class,
            description = "delete the oldest rotated files to keep all of them within N, at least --pcap-max-bytes (default 512M)")
    Long maxTotal;

    private PcapngFile.Bounds bounds;

    void validate() {
        if (file == null) {
            if (maxBytes != null || maxTotal != null) {
                throw new UsageException("--pcap-max-bytes and --pcap-max-total need --pcap FILE");
            }
            return;
        }
        long b = maxBytes == null ? DEFAULT_MAX_BYTES : OptionRanges.size("--pcap-max-bytes", maxBytes, 4096, 1L << 40);
        long t = maxTotal == null ? Math.max(DEFAULT_MAX_TOTAL, b) : OptionRanges.size("--pcap-max-total", maxTotal, b, 1L << 50);
        bounds = new PcapngFile.Bounds(b, null, t);
    }

    boolean given() {
        return file != null;
    }

    /** Opens FILE and starts its writer thread, or null without --pcap. */
    PcapRecorder open(PcapRecorder.Counts counts) throws IOException {
        if (file == null) {
            return null;
        }
        try {
            return new PcapRecorder(new PcapngFile(file, bounds), counts);
        } catch (IOException e) {
            throw new IOException("--pcap " + file + ": " + e.getMessage(), e);
        }
    }

    /** The drain's side of the capture for watch: hands each event to the recorder's queue. */
    record Tap(PcapRecorder recorder) implements DropListener {
        @Override
        public void onEvent(DropEvent event) {
            recorder.offer(event);
        }

        @Override
        public void onLoss(LossRecord loss) {
            // losses have no packet
        }
    }
}
