package dev.sluice.drivers.pcap;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A packet as our reader reports it, copied out for comparison. */
record Record(long timestampNanos, int capturedLength, int originalLength, int linkType, int interfaceId, byte[] data) {
    static Record current(PcapReader r) {
        return new Record(r.timestampNanos(), r.capturedLength(), r.originalLength(), r.linkType(), r.interfaceId(),
                r.dataArray());
    }

    /** Every packet of a file, read leniently. */
    static List<Record> readAll(Path file) throws IOException {
        try (PcapReader r = PcapReader.open(file)) {
            return drain(r);
        }
    }

    static List<Record> drain(PcapReader r) {
        List<Record> out = new ArrayList<>();
        while (r.next()) {
            out.add(current(r));
        }
        return out;
    }
}
