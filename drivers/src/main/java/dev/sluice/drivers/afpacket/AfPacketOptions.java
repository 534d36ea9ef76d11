package dev.sluice.drivers.afpacket;

import dev.sluice.sys.TpacketDescriptor;

/**
 * How to open an AF_PACKET port. Immutable; change with the {@code with*} methods. The shape checks
 * here are the kernel's own (so that a bad value fails with a sentence, not with EINVAL); whether
 * the rings fit in memory is checked when the port opens.
 *
 * @param blockSize           bytes per RX block: a power of two, at least one page (4096) and at
 *                            least {@code frameSize}, at most 1 GiB. A block is handed over whole:
 *                            bigger blocks mean fewer hand-overs, and more latency at low rates
 * @param blockCount          RX blocks in the ring (at least 2): the ring holds
 *                            {@code blockSize * blockCount} bytes of records
 * @param frameSize           2048 or 4096: the size of the port's packet frames (its UMEM) and of
 *                            each TX ring frame (a TX packet can carry {@code frameSize - 48} bytes)
 * @param retireTimeoutMillis the kernel hands a partly filled RX block over after this many
 *                            milliseconds (bounds latency at low rates); 1..60000
 * @param fanoutGroup         PACKET_FANOUT group id (0..65535) to spread an interface's traffic over
 *                            several sockets (one port per worker); -1 for none
 * @param fanoutMode          how packets are spread over the group's sockets
 * @param txFrames            frames in the TX ring, a power of two in 64..65536
 * @param promiscuous         put the interface in promiscuous mode while the port is open (the
 *                            kernel undoes it when the socket closes, also on a crash)
 * @param qdiscBypass         PACKET_QDISC_BYPASS: hand TX packets straight to the driver, skipping
 *                            the traffic-control layer (faster; packets are dropped instead of
 *                            queued when the driver is busy)
 * @param poolFrames          frames of the port's own UMEM, i.e. how many packets the application
 *                            can hold at once (received or allocated and not yet sent or released)
 */
public record AfPacketOptions(int blockSize, int blockCount, int frameSize, int retireTimeoutMillis, int fanoutGroup,
                              FanoutMode fanoutMode, int txFrames, boolean promiscuous, boolean qdiscBypass,
                              int poolFrames) {

    /** PACKET_FANOUT modes offered (linux/if_packet.h). */
    public enum FanoutMode {
        /** By flow hash: a flow always reaches the same socket. */
        HASH(TpacketDescriptor.PACKET_FANOUT_HASH),
        /** Round-robin. */
        LOAD_BALANCE(TpacketDescriptor.PACKET_FANOUT_LB),
        /** By the CPU the packet arrived on. */
        CPU(TpacketDescriptor.PACKET_FANOUT_CPU),
        /** By the NIC's RX queue (recorded queue mapping). */
        QUEUE(TpacketDescriptor.PACKET_FANOUT_QM);

        final int kernelValue;

        FanoutMode(int kernelValue) {
            this.kernelValue = kernelValue;
        }
    }

    /** The largest block size accepted: the kernel takes a block size up to INT_MAX, as a power of two 1 GiB. */
    public static final int MAX_BLOCK_SIZE = 1 << 30;
    static final int PAGE_SIZE = 4096;

    public AfPacketOptions {
        if (frameSize != 2048 && frameSize != 4096) {
            throw new IllegalArgumentException("frame size must be 2048 or 4096, not " + frameSize);
        }
        if (blockSize < PAGE_SIZE || blockSize > MAX_BLOCK_SIZE || Integer.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("block size must be a power of two in " + PAGE_SIZE + ".." + MAX_BLOCK_SIZE
                    + " (at least a page), not " + blockSize);
        }
        if (blockSize < frameSize) {
            throw new IllegalArgumentException("block size " + blockSize + " is smaller than the frame size " + frameSize);
        }
        if (blockCount < 2) {
            throw new IllegalArgumentException("block count must be at least 2 (the kernel fills one block while the "
                    + "application reads another), not " + blockCount);
        }
        // The kernel refuses (EINVAL) a ring whose frame count does not fit in a u32.
        if ((long) (blockSize / frameSize) * blockCount > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("an RX ring of " + blockCount + " blocks of " + blockSize + " bytes is too large: "
                    + "the kernel limits it to 2^32 frames of " + frameSize + " bytes; use fewer blocks");
        }
        if (retireTimeoutMillis < 1 || retireTimeoutMillis > 60_000) {
            throw new IllegalArgumentException("retire timeout must be in 1..60000 ms, not " + retireTimeoutMillis);
        }
        if (fanoutGroup < -1 || fanoutGroup > 0xFFFF) {
            throw new IllegalArgumentException("fanout group must be in 0..65535 (or -1 for none), not " + fanoutGroup);
        }
        if (fanoutMode == null) {
            throw new IllegalArgumentException("fanout mode must not be null");
        }
        if (txFrames < 64 || txFrames > (1 << 16) || Integer.bitCount(txFrames) != 1) {
            throw new IllegalArgumentException("TX frames must be a power of two in 64..65536, not " + txFrames);
        }
        if (poolFrames < 64 || poolFrames > (1 << 22)) {
            throw new IllegalArgumentException("pool frames must be in 64.." + (1 << 22) + ", not " + poolFrames);
        }
    }

    /**
     * 64 blocks of 256 KiB (a 16 MiB RX ring, about 1300 small packets per block), 2048-byte frames,
     * blocks retired after 2 ms, 1024 TX frames, 4096 pool frames, no fanout, not promiscuous,
     * through the qdisc.
     */
    public static AfPacketOptions defaults() {
        return new AfPacketOptions(1 << 18, 64, 2048, 2, -1, FanoutMode.HASH, 1024, false, false, 4096);
    }

    /** Bytes of the RX ring. */
    public long rxRingBytes() {
        return (long) blockSize * blockCount;
    }

    /** Bytes of one TX block: frames are grouped into page-sized (or frame-sized) blocks. */
    int txBlockSize() {
        return Math.max(frameSize, PAGE_SIZE);
    }

    /** Bytes of the TX ring. */
    public long txRingBytes() {
        return (long) txFrames * frameSize;
    }

    public AfPacketOptions withBlockSize(int n) {
        return new AfPacketOptions(n, blockCount, frameSize, retireTimeoutMillis, fanoutGroup, fanoutMode, txFrames, promiscuous, qdiscBypass, poolFrames);
    }

    public AfPacketOptions withBlockCount(int n) {
        return new AfPacketOptions(blockSize, n, frameSize, retireTimeoutMillis, fanoutGroup, fanoutMode, txFrames, promiscuous, qdiscBypass, poolFrames);
    }

    public AfPacketOptions withFrameSize(int n) {
        return new AfPacketOptions(blockSize, blockCount, n, retireTimeoutMillis, fanoutGroup, fanoutMode, txFrames, promiscuous, qdiscBypass, poolFrames);
    }

    public AfPacketOptions withRetireTimeoutMillis(int n) {
        return new AfPacketOptions(blockSize, blockCount, frameSize, n, fanoutGroup, fanoutMode, txFrames, promiscuous, qdiscBypass, poolFrames);
    }

    /** Joins PACKET_FANOUT group {@code group} (-1: none) with {@code mode}. */
    public AfPacketOptions withFanout(int group, FanoutMode mode) {
        return new AfPacketOptions(blockSize, blockCount, frameSize, retireTimeoutMillis, group, mode, txFrames, promiscuous, qdiscBypass, poolFrames);
    }

    public AfPacketOptions withTxFrames(int n) {
        return new AfPacketOptions(blockSize, blockCount, frameSize, retireTimeoutMillis, fanoutGroup, fanoutMode, n, promiscuous, qdiscBypass, poolFrames);
    }

    public AfPacketOptions withPromiscuous(boolean on) {
        return new AfPacketOptions(blockSize, blockCount, frameSize, retireTimeoutMillis, fanoutGroup, fanoutMode, txFrames, on, qdiscBypass, poolFrames);
    }

    public AfPacketOptions withQdiscBypass(boolean on) {
        return new AfPacketOptions(blockSize, blockCount, frameSize, retireTimeoutMillis, fanoutGroup, fanoutMode, txFrames, promiscuous, on, poolFrames);
    }

    public AfPacketOptions withPoolFrames(int n) {
        return new AfPacketOptions(blockSize, blockCount, frameSize, retireTimeoutMillis, fanoutGroup, fanoutMode, txFrames, promiscuous, qdiscBypass, n);
    }
}
