package dev.sluice.lb.forward;

import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;
import dev.sluice.umem.Umem;
import dev.sluice.umem.UmemConfig;

import java.lang.foreign.MemorySegment;

/**
 * Test frames in a real UMEM, each in a frame of its own at a chosen headroom (the drivers put
 * received data {@link UmemConfig#KERNEL_HEADROOM} bytes in). Every frame is filled with a marker
 * byte first, so bytes a rewrite should have written but did not show up.
 */
final class FrameSlots implements AutoCloseable {
    static final int MARKER = 0xA5;

    private final Umem umem = Umem.allocate(UmemConfig.defaults().withFrameCount(64));
    private final PacketBatch batch = new PacketBatch(umem, 64);

    /** {@code frame} in the next free frame, {@code headroom} bytes after the frame's start. */
    Packet load(byte[] frame, int headroom) {
        int slot = batch.count();
        long start = (long) slot * umem.frameSize();
        umem.segment().asSlice(start, umem.frameSize()).fill((byte) MARKER);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, umem.segment(), start + headroom, frame.length);
        batch.add(start + headroom, frame.length);
        return batch.packet(slot);
    }

    Packet load(byte[] frame) {
        return load(frame, UmemConfig.KERNEL_HEADROOM);
    }

    @Override
    public void close() {
        umem.close();
    }
}
