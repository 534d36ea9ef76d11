package dev.sluice.drivers.afpacket;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static dev.sluice.sys.TpacketDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ring walkers against memory where the test plays the kernel's side, byte for byte as
 * {@link dev.sluice.sys.TpacketDescriptor} documents it: for the orders and corners (wrap-around,
 * empty blocks, a block still the kernel's) that real traffic hits only by chance. The system test
 * runs the same classes against the real kernel.
 */
class TpacketRingsTest {
    private static final int BLOCK = 4096;

    /** Writes a block of records of the given lengths, as the kernel does, and hands it to user space. */
    private static void kernelFills(MemorySegment ring, int block, int firstByte, int... lengths) {
        long base = (long) block * BLOCK;
        int off = BLOCK_HEADER_LENGTH;
        ring.set(JAVA_INT, base + BLOCK_OFFSET_TO_FIRST_PKT_OFFSET, off);
        ring.set(JAVA_INT, base + BLOCK_NUM_PKTS_OFFSET, lengths.length);
        for (int i = 0; i < lengths.length; i++) {
            long rec = base + off;
            int mac = 82; // TPACKET_ALIGN(68 + 16) - 14, as tpacket_rcv computes it for Ethernet
            int next = (mac + lengths[i] + 7) & ~7;
            ring.set(JAVA_INT, rec + TP_NEXT_OFFSET_OFFSET, i + 1 < lengths.length ? next : 0);
            ring.set(JAVA_INT, rec + TP_SNAPLEN_OFFSET, lengths[i]);
            ring.set(JAVA_INT, rec + TP_LEN_OFFSET, lengths[i]);
            ring.set(JAVA_SHORT, rec + TP_MAC_OFFSET, (short) mac);
            for (int b = 0; b < lengths[i]; b++) {
                ring.set(JAVA_BYTE, rec + mac + b, (byte) (firstByte + i));
            }
            off += next;
        }
        ring.set(JAVA_INT, base + BLOCK_STATUS_OFFSET, TP_STATUS_USER);
    }

    private static int status(MemorySegment ring, int block) {
        return ring.get(JAVA_INT, (long) block * BLOCK + BLOCK_STATUS_OFFSET);
    }

    @Test
    void recordsAreReadInOrderAndEachBlockGoesBackAfterItsLastRecord() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(4L * BLOCK, 4096);
            TpacketRxRing rx = new TpacketRxRing(ring, BLOCK, 4);
            assertThat(rx.hasRecord()).as("every block is the kernel's").isFalse();

            kernelFills(ring, 0, 10, 60, 100, 1500);
            kernelFills(ring, 1, 20, 64);
            int[] lengths = new int[4];
            int[] firstBytes = new int[4];
            int n = 0;
            while (rx.hasRecord()) {
                lengths[n] = rx.snapLength();
                firstBytes[n] = ring.get(JAVA_BYTE, rx.packetOffset());
                n++;
                boolean lastOfBlock0 = n == 3;
                rx.advance();
                if (lastOfBlock0) {
                    assertThat(status(ring, 0)).as("block 0 back right after its last record").isEqualTo(TP_STATUS_KERNEL);
                    assertThat(status(ring, 1)).isEqualTo(TP_STATUS_USER);
                }
            }
            assertThat(n).isEqualTo(4);
            assertThat(lengths).containsExactly(60, 100, 1500, 64);
            assertThat(firstBytes).containsExactly(10, 11, 12, 20);
            assertThat(status(ring, 1)).isEqualTo(TP_STATUS_KERNEL);
            assertThat(rx.heldBlocks()).isZero();
            assertThat(rx.blockOwners()).containsExactly(4, 0, 0, 0);
        }
    }

    @Test
    void theWalkWrapsAroundAndStopsAtTheKernelsBlock() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(2L * BLOCK, 4096);
            TpacketRxRing rx = new TpacketRxRing(ring, BLOCK, 2);
            int total = 0;
            for (int round = 0; round < 5; round++) {
                kernelFills(ring, round % 2, round, 70, 80);
                while (rx.hasRecord()) {
                    assertThat(ring.get(JAVA_BYTE, rx.packetOffset())).isIn((byte) round, (byte) (round + 1));
                    rx.advance();
                    total++;
                }
            }
            assertThat(total).isEqualTo(10);
            assertThat(rx.blockOwners()).containsExactly(2, 0, 0, 0);
        }
    }

    @Test
    void aHalfReadBlockIsHeldAndCountedAndAnEmptyOneGoesStraightBack() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ring = arena.allocate(4L * BLOCK, 4096);
            TpacketRxRing rx = new TpacketRxRing(ring, BLOCK, 4);
            kernelFills(ring, 0, 1); // empty
            kernelFills(ring, 1, 5, 90, 90);
            kernelFills(ring, 2, 9, 90);
            assertThat(rx.hasRecord()).isTrue();
            assertThat(status(ring, 0)).as("the empty block went back").isEqualTo(TP_STATUS_KERNEL);
            rx.advance();
            assertThat(rx.blockOwners()).as("kernel, ready, held, inconsistent").containsExactly(2, 1, 1, 0);
            ring.set(JAVA_INT, BLOCK + BLOCK_STATUS_OFFSET, TP_STATUS_KERNEL); // a protocol breach, to see it counted
            assertThat(rx.blockOwners()[3]).isEqualTo(1);
        }
    }

    @Test
    void txFramesGoOutInRingOrderAndComeBackWhenTheKernelIsDone() {
        try (Arena arena = Arena.ofConfined()) {
            int frames = 4;
            int frameSize = 2048;
            long base = 8192;
            MemorySegment ring = arena.allocate(base + (long) frames * frameSize, 4096);
            MemorySegment source = arena.allocate(2048);
            TpacketTxRing tx = new TpacketTxRing(ring, base, frames, frameSize, 1514);
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < frames; i++) {
                    source.fill((byte) (round * 10 + i));
                    tx.copyIn(source, 0, 100 + i);
                }
                assertThat(tx.free()).isZero();
                assertThat(tx.requestPending()).isTrue();
                for (int i = 0; i < frames; i++) {
                    long frame = base + (long) i * frameSize;
                    assertThat(ring.get(JAVA_INT, frame + TP_STATUS_OFFSET)).isEqualTo(TP_STATUS_SEND_REQUEST);
                    assertThat(ring.get(JAVA_INT, frame + TP_LEN_OFFSET)).isEqualTo(100 + i);
                    assertThat(ring.get(JAVA_INT, frame + TP_NEXT_OFFSET_OFFSET)).isZero();
                    assertThat(ring.get(JAVA_BYTE, frame + TX_DATA_OFFSET + 99)).isEqualTo((byte) (round * 10 + i));
                }
                // The kernel takes frames 0 and 1 and finishes 0: one frame comes back.
                ring.set(JAVA_INT, base + TP_STATUS_OFFSET, TP_STATUS_AVAILABLE);
                ring.set(JAVA_INT, base + frameSize + TP_STATUS_OFFSET, TP_STATUS_SENDING);
                assertThat(tx.reclaim()).isEqualTo(1);
                assertThat(tx.inFlight()).isEqualTo(3);
                // Frame 3 finished before 2 (another TX queue): still back only in ring order.
                ring.set(JAVA_INT, base + 3L * frameSize + TP_STATUS_OFFSET, TP_STATUS_AVAILABLE | (1 << 29));
                assertThat(tx.reclaim()).isZero();
                assertThat(tx.requestPending()).as("the last frame is done, so the kernel has them all").isFalse();
                ring.set(JAVA_INT, base + frameSize + TP_STATUS_OFFSET, TP_STATUS_AVAILABLE);
                ring.set(JAVA_INT, base + 2L * frameSize + TP_STATUS_OFFSET, TP_STATUS_AVAILABLE);
                assertThat(tx.reclaim()).as("timestamp bits do not keep a frame busy").isEqualTo(3);
                assertThat(tx.free()).isEqualTo(frames);
                // next round starts again at frame 0 (the ring wrapped)
                for (int i = 0; i < frames; i++) {
                    ring.set(JAVA_INT, base + (long) i * frameSize + TP_STATUS_OFFSET, TP_STATUS_AVAILABLE);
                }
            }
        }
    }
}
