package dev.sluice.pipeline.hash;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The Toeplitz hash of receive-side scaling (RSS), in software: the same function NICs use to spread
 * flows over queues, so that a queue can be spread over workers the same way.
 * <p>
 * For every set bit {@code b} of the input (most significant bit of the first byte is bit 0) the
 * result is XORed with the 32 key bits starting at key bit {@code b}. The hash is linear in its input,
 * so it is computed from a table of the contribution of every byte value at every input position
 * (36 positions x 256 values: 36 KiB), one load and one XOR per input byte, and parts of the input
 * that are not contiguous in the packet (addresses, then ports) are hashed separately and XORed.
 *
 * <h2>Symmetry</h2>
 * With the default Microsoft key the two directions of a flow hash differently. With a key whose
 * bits repeat every 16 bits ({@link #symmetric()}, 0x6d5a repeated; Woo and Park, "Scalable TCP
 * session monitoring with symmetric receive-side scaling", 2012) swapping source and destination
 * address (32- or 128-bit fields) and source and destination port (16-bit fields) shifts the input by
 * a multiple of the key's period, and the hash stays the same: both directions of a connection land
 * on one worker, which is what a stateful handler (a NAT, a load balancer's connection table) needs.
 */
public final class Toeplitz {
    /** Longest input: IPv6 source and destination address and two ports. */
    public static final int MAX_INPUT = 36;

    /** The key of the Microsoft RSS specification, which NICs use by default. */
    private static final byte[] MICROSOFT_KEY = {
        (byte) 0x6d, (byte) 0x5a, (byte) 0x56, (byte) 0xda, (byte) 0x25, (byte) 0x5b, (byte) 0x0e, (byte) 0xc2,
        (byte) 0x41, (byte) 0x67, (byte) 0x25, (byte) 0x3d, (byte) 0x43, (byte) 0xa3, (byte) 0x8f, (byte) 0xb0,
        (byte) 0xd0, (byte) 0xca, (byte) 0x2b, (byte) 0xcb, (byte) 0xae, (byte) 0x7b, (byte) 0x30, (byte) 0xb4,
        (byte) 0x77, (byte) 0xcb, (byte) 0x2d, (byte) 0xa3, (byte) 0x80, (byte) 0x30, (byte) 0xf2, (byte) 0x0c,
        (byte) 0x6a, (byte) 0x42, (byte) 0xb7, (byte) 0x3b, (byte) 0xbe, (byte) 0xac, (byte) 0x01, (byte) 0xfa,
    };

    private final byte[] key;
    private final int[] table;

    /** A hash with {@code key}: at least {@link #MAX_INPUT} + 4 = 40 bytes. */
    public Toeplitz(byte[] key) {
        if (key.length < MAX_INPUT + 4) {
            throw new IllegalArgumentException("a Toeplitz key needs at least " + (MAX_INPUT + 4) + " bytes, not " + key.length);
        }
        this.key = key.clone();
        this.table = new int[MAX_INPUT * 256];
        for (int pos = 0; pos < MAX_INPUT; pos++) {
            for (int v = 0; v < 256; v++) {
                int h = 0;
                for (int bit = 0; bit < 8; bit++) {
                    if ((v & (0x80 >>> bit)) != 0) {
                        h ^= keyWindow(pos * 8 + bit);
                    }
                }
                table[pos * 256 + v] = h;
            }
        }
    }

    /** The Microsoft default key: matches NIC RSS, not symmetric. */
    public static Toeplitz microsoft() {
        return new Toeplitz(MICROSOFT_KEY);
    }

    /** The key 0x6d5a repeated: both directions of a flow hash alike. */
    public static Toeplitz symmetric() {
        byte[] k = new byte[40];
        for (int i = 0; i < k.length; i += 2) {
            k[i] = (byte) 0x6d;
            k[i + 1] = (byte) 0x5a;
        }
        return new Toeplitz(k);
    }

    /** The 32 key bits starting at key bit {@code bit}. */
    private int keyWindow(int bit) {
        int h = 0;
        for (int i = 0; i < 32; i++) {
            int b = bit + i;
            int keyBit = (key[b >>> 3] >>> (7 - (b & 7))) & 1;
            h = (h << 1) | keyBit;
        }
        return h;
    }

    /** Hash of a whole input (tests, tools). */
    public int hash(byte[] input) {
        if (input.length > MAX_INPUT) {
            throw new IllegalArgumentException("input longer than " + MAX_INPUT + " bytes");
        }
        int h = 0;
        for (int i = 0; i < input.length; i++) {
            h ^= table[i * 256 + (input[i] & 0xff)];
        }
        return h;
    }

    /**
     * The contribution of {@code length} bytes at {@code segment[offset..]} placed at input position
     * {@code position}; XOR contributions of the parts of an input to hash it. The caller keeps
     * {@code position + length <= MAX_INPUT}.
     */
    public int hashPart(int position, MemorySegment segment, long offset, int length) {
        final int[] t = table;
        int h = 0;
        int base = position << 8;
        for (int i = 0; i < length; i++) {
            h ^= t[base + (i << 8) + (segment.get(ValueLayout.JAVA_BYTE, offset + i) & 0xff)];
        }
        return h;
    }

    public byte[] key() {
        return key.clone();
    }
}
