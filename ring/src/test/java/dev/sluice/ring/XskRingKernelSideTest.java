package dev.sluice.ring;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import static dev.sluice.ring.XskRingDescriptor.ADDRESS_ENTRY_SIZE;
import static dev.sluice.ring.XskRingDescriptor.DESC_ENTRY_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Each of the four rings against a Java thread that plays the kernel's side on a shared segment,
 * written independently of the ring classes (own var handles, own index arithmetic). Millions of
 * entries move in bursts of random sizes, across the u32 wrap; every entry carries values derived
 * from its sequence number, so loss, duplication, reordering or a torn field shows as a mismatch.
 */
class XskRingKernelSideTest {

    private static final long ENTRIES = 5_000_000;
    private static final int SIZE = 64;
    /** Both indices start here, so they wrap at 2^32 early in the run. */
    private static final int START = 0xFFFF_FF00;
    /** A hang guard, not a performance assertion: the run takes well under a second per ring. */
    private static final long DEADLINE_NANOS = TimeUnit.SECONDS.toNanos(240);

    private static final VarHandle KERNEL_INT = ValueLayout.JAVA_INT.varHandle();

    enum Kind {
        FILL(true, ADDRESS_ENTRY_SIZE), TX(true, DESC_ENTRY_SIZE), RX(false, DESC_ENTRY_SIZE), COMPLETION(false, ADDRESS_ENTRY_SIZE);

        final boolean userProduces;
        final int entrySize;

        Kind(boolean userProduces, int entrySize) {
            this.userProduces = userProduces;
            this.entrySize = entrySize;
        }
    }

    static Stream<Arguments> rings() {
        return Stream.of(Kind.values()).flatMap(k -> Stream.of(
            Arguments.of(k, "6.18", RingLayouts.KERNEL_6_18), Arguments.of(k, "shuffled", RingLayouts.SHUFFLED)));
    }

    // Values of entry number s: injective in s (addr), and all bits of every field exercised.
    static long addr(long s) {
        long z = s * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        return z ^ (z >>> 31);
    }

    static int len(long s) {
        return (int) (s * 0x2545F491) ^ 0x8000_0001;
    }

    static int options(long s) {
        return (int) (s >>> 3) ^ 0xA5A5_A5A5;
    }

    @ParameterizedTest(name = "{0} ring, {1} layout")
    @MethodSource("rings")
    @Timeout(value = 300)
    void movesEveryEntryExactlyOnceInOrder(Kind kind, String layoutName, XskRingOffsets offsets) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mapping = RingLayouts.allocate(arena, offsets, SIZE, kind.entrySize);
            RingLayouts.setProducer(mapping, offsets, START);
            RingLayouts.setConsumer(mapping, offsets, START);
            AtomicBoolean stop = new AtomicBoolean();
            long deadline = System.nanoTime() + DEADLINE_NANOS;
            KernelSide kernel = new KernelSide(mapping, offsets, kind.entrySize, stop, deadline);
            CompletableFuture<Long> kernelRun = CompletableFuture.supplyAsync(
                () -> guarded(stop, () -> kind.userProduces ? kernel.consume() : kernel.produce()),
                r -> new Thread(r, "kernel-side-" + kind).start());
            boolean desc = kind.entrySize == DESC_ENTRY_SIZE;
            long userMoved = guarded(stop, () -> kind.userProduces
                ? userProduce(new XskProducerRing(mapping, offsets, SIZE, kind.entrySize), desc, stop, deadline)
                : userConsume(new XskConsumerRing(mapping, offsets, SIZE, kind.entrySize), desc, stop, deadline));
            long kernelMoved = kernelRun.get(DEADLINE_NANOS + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS);
            assertThat(userMoved).isEqualTo(ENTRIES);
            assertThat(kernelMoved).isEqualTo(ENTRIES);
            int end = START + (int) ENTRIES;
            assertThat(RingLayouts.producer(mapping, offsets)).isEqualTo(end);
            assertThat(RingLayouts.consumer(mapping, offsets)).isEqualTo(end);
        }
    }

    private interface Run {
        long run();
    }

    /** Stops the other side when this side fails, so that a mismatch fails the test instead of hanging it. */
    private static long guarded(AtomicBoolean stop, Run run) {
        try {
            return run.run();
        } catch (Throwable t) {
            stop.set(true);
            throw t;
        }
    }

    private static void checkAlive(AtomicBoolean stop, long deadline, String who) {
        if (stop.get()) {
            throw new IllegalStateException(who + ": the other side failed");
        }
        if (System.nanoTime() - deadline > 0) {
            throw new IllegalStateException(who + ": no progress before the hang guard");
        }
    }

    /** Spin briefly, then yield: the machine may have fewer free cores than busy threads. */
    static void idle(int spins) {
        if ((spins & 0x3F) == 0) {
            Thread.yield();
        } else {
            Thread.onSpinWait();
        }
    }

    /** FILL/TX from user space: random reservation sizes, sometimes submitting fewer than reserved. */
    private static long userProduce(XskProducerRing ring, boolean desc, AtomicBoolean stop, long deadline) {
        SplittableRandom random = new SplittableRandom(42);
        long s = 0;
        int spins = 0;
        while (s < ENTRIES) {
            int want = (int) Math.min(1 + random.nextInt(SIZE + 8), ENTRIES - s);
            int n = ring.reserve(want);
            if (n == 0) {
                if ((++spins & 0xFFF) == 0) {
                    checkAlive(stop, deadline, "user producer");
                }
                idle(spins);
                continue;
            }
            if (random.nextInt(4) == 0) {
                n = random.nextInt(n + 1); // publish only part of the reservation
            }
            int at = ring.reservedIndex();
            for (int i = 0; i < n; i++) {
                long seq = s + i;
                if (desc) {
                    ring.putDescriptor(at + i, addr(seq), len(seq), options(seq));
                } else {
                    ring.putAddress(at + i, addr(seq));
                }
            }
            ring.submitRelease(n);
            s += n;
        }
        return s;
    }

    /** RX/COMPLETION from user space: random peek sizes, sometimes releasing fewer than peeked. */
    private static long userConsume(XskConsumerRing ring, boolean desc, AtomicBoolean stop, long deadline) {
        SplittableRandom random = new SplittableRandom(43);
        long s = 0;
        int spins = 0;
        while (s < ENTRIES) {
            int n = ring.peek(1 + random.nextInt(SIZE + 8));
            if (n == 0) {
                if ((++spins & 0xFFF) == 0) {
                    checkAlive(stop, deadline, "user consumer");
                }
                idle(spins);
                continue;
            }
            if (random.nextInt(4) == 0) {
                n = random.nextInt(n + 1); // hand back only part of the peek
            }
            int at = ring.consumedIndex();
            for (int i = 0; i < n; i++) {
                long seq = s + i;
                long a = ring.address(at + i);
                if (a != addr(seq)) {
                    throw new AssertionError("entry " + seq + ": addr " + Long.toHexString(a) + " expected " + Long.toHexString(addr(seq)));
                }
                if (desc && (ring.length(at + i) != len(seq) || ring.options(at + i) != options(seq))) {
                    throw new AssertionError("entry " + seq + ": len/options " + ring.length(at + i) + "/" + ring.options(at + i)
                        + " expected " + len(seq) + "/" + options(seq));
                }
            }
            ring.releaseRelease(n);
            s += n;
        }
        return s;
    }

    /** The kernel's half of the ring protocol, written from the UAPI description, not from the ring classes. */
    private static final class KernelSide {
        private final MemorySegment mapping;
        private final XskRingOffsets offsets;
        private final int entrySize;
        private final AtomicBoolean stop;
        private final long deadline;

        KernelSide(MemorySegment mapping, XskRingOffsets offsets, int entrySize, AtomicBoolean stop, long deadline) {
            this.mapping = mapping;
            this.offsets = offsets;
            this.entrySize = entrySize;
            this.stop = stop;
            this.deadline = deadline;
        }

        private long entry(int index) {
            return offsets.desc() + (long) (index & (SIZE - 1)) * entrySize;
        }

        /** Kernel consumes FILL/TX: acquire producer, read entries, release consumer. */
        long consume() {
            SplittableRandom random = new SplittableRandom(7);
            int consumer = (int) KERNEL_INT.getAcquire(mapping, offsets.consumer());
            long s = 0;
            int spins = 0;
            while (s < ENTRIES) {
                int available = (int) KERNEL_INT.getAcquire(mapping, offsets.producer()) - consumer;
                if (available < 0 || available > SIZE) {
                    throw new AssertionError("producer ran " + available + " entries ahead of the consumer");
                }
                int n = Math.min(available, 1 + random.nextInt(SIZE));
                if (n == 0) {
                    if ((++spins & 0xFFF) == 0) {
                        checkAlive(stop, deadline, "kernel consumer");
                    }
                    idle(spins);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    long seq = s + i;
                    long e = entry(consumer + i);
                    long a = mapping.get(ValueLayout.JAVA_LONG, e);
                    if (a != addr(seq)) {
                        throw new AssertionError("entry " + seq + ": addr " + Long.toHexString(a) + " expected " + Long.toHexString(addr(seq)));
                    }
                    if (entrySize == DESC_ENTRY_SIZE) {
                        int l = mapping.get(ValueLayout.JAVA_INT, e + 8);
                        int o = mapping.get(ValueLayout.JAVA_INT, e + 12);
                        if (l != len(seq) || o != options(seq)) {
                            throw new AssertionError("entry " + seq + ": len/options " + l + "/" + o + " expected " + len(seq) + "/" + options(seq));
                        }
                    }
                    // Scribble over the slot: a producer that re-publishes it without writing is caught.
                    mapping.set(ValueLayout.JAVA_LONG, e, ~a);
                }
                consumer += n;
                s += n;
                KERNEL_INT.setRelease(mapping, offsets.consumer(), consumer);
            }
            return s;
        }

        /** Kernel produces RX/COMPLETION: acquire consumer, write entries, release producer. */
        long produce() {
            SplittableRandom random = new SplittableRandom(8);
            int producer = (int) KERNEL_INT.getAcquire(mapping, offsets.producer());
            long s = 0;
            int spins = 0;
            while (s < ENTRIES) {
                int free = SIZE - (producer - (int) KERNEL_INT.getAcquire(mapping, offsets.consumer()));
                if (free < 0 || free > SIZE) {
                    throw new AssertionError("consumer ran past the producer: free=" + free);
                }
                int n = (int) Math.min(Math.min(free, 1 + random.nextInt(SIZE)), ENTRIES - s);
                if (n == 0) {
                    if ((++spins & 0xFFF) == 0) {
                        checkAlive(stop, deadline, "kernel producer");
                    }
                    idle(spins);
                    continue;
                }
                for (int i = 0; i < n; i++) {
                    long seq = s + i;
                    long e = entry(producer + i);
                    mapping.set(ValueLayout.JAVA_LONG, e, addr(seq));
                    if (entrySize == DESC_ENTRY_SIZE) {
                        mapping.set(ValueLayout.JAVA_INT, e + 8, len(seq));
                        mapping.set(ValueLayout.JAVA_INT, e + 12, options(seq));
                    }
                }
                producer += n;
                s += n;
                KERNEL_INT.setRelease(mapping, offsets.producer(), producer);
            }
            return s;
        }
    }
}
