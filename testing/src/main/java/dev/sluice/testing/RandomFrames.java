package dev.sluice.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Varied Ethernet frames, the same for the same seed: unicast and broadcast destinations,
 * locally administered sources, IPv4 / IPv6 / ARP / VLAN / experimental EtherTypes, lengths from
 * 14 to 1514 with the edges (14, 60, 64, 1514) well represented.
 */
public final class RandomFrames {
    public static final long BASE_NANOS = 1_700_000_000_123_456_789L;
    private static final int[] ETHER_TYPES = {0x0800, 0x86dd, 0x0806, 0x8100, 0x88b5};
    private static final int[] EDGE_LENGTHS = {14, 60, 64, 1514};

    private RandomFrames() {
    }

    public static List<byte[]> frames(int count, long seed) {
        Random rnd = new Random(seed);
        List<byte[]> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int length = rnd.nextInt(4) == 0 ? EDGE_LENGTHS[rnd.nextInt(EDGE_LENGTHS.length)] : 14 + rnd.nextInt(1501);
            out.add(frame(rnd, length));
        }
        return out;
    }

    public static byte[] frame(Random rnd, int length) {
        byte[] f = new byte[length];
        rnd.nextBytes(f);
        if (rnd.nextInt(8) == 0) {
            for (int b = 0; b < 6; b++) {
                f[b] = (byte) 0xff;
            }
        } else {
            f[0] &= (byte) 0xfe; // unicast
        }
        f[6] = (byte) ((f[6] & 0xfc) | 0x02); // locally administered unicast source
        int type = ETHER_TYPES[rnd.nextInt(ETHER_TYPES.length)];
        f[12] = (byte) (type >>> 8);
        f[13] = (byte) type;
        return f;
    }

    /** Increasing timestamps with gaps from 1 ns to about a second, nanosecond digits all used. */
    public static long[] timestamps(int count, long seed) {
        Random rnd = new Random(seed ^ 0x5eed);
        long[] ts = new long[count];
        long t = BASE_NANOS;
        for (int i = 0; i < count; i++) {
            ts[i] = t;
            t += 1 + (rnd.nextBoolean() ? rnd.nextInt(1000) : rnd.nextInt(1_000_000_000));
        }
        return ts;
    }

    public static long micros(long nanos) {
        return nanos - nanos % 1000;
    }
}
