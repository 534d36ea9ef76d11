package dev.sluice.testing;

/**
 * Payloads that carry their sequence number and prove themselves intact: the number (8 bytes,
 * big-endian), then bytes derived from it. A receiver recovers the number, or learns that the bytes
 * were damaged.
 */
public final class NumberedPayload {
    private NumberedPayload() {
    }

    /** The payload of sequence number {@code seq}, {@code size} bytes (at least 8). */
    public static byte[] of(long seq, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (seq >>> (56 - 8 * i));
        }
        for (int i = 8; i < size; i++) {
            b[i] = (byte) (seq * 31 + i);
        }
        return b;
    }

    /** The sequence number of a numbered payload, or -1 when its bytes are not intact. */
    public static long sequence(byte[] payload) {
        if (payload.length < 8) {
            return -1;
        }
        long seq = 0;
        for (int i = 0; i < 8; i++) {
            seq = (seq << 8) | (payload[i] & 0xff);
        }
        for (int i = 8; i < payload.length; i++) {
            if (payload[i] != (byte) (seq * 31 + i)) {
                return -1;
            }
        }
        return seq;
    }
}
