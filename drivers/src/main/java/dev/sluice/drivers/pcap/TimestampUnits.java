package dev.sluice.drivers.pcap;

/**
 * Converts pcapng timestamps, counted in units of 10^-n or 2^-n seconds as an interface's
 * {@code if_tsresol} says, to nanoseconds since 1970. Fractions of a nanosecond are truncated, as
 * Wireshark does, so both report the same value; for binary resolutions finer than 2^-33 s the
 * fraction is multiplied in 128 bits (Wireshark's 64-bit product overflows there).
 */
final class TimestampUnits {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** 10^0 .. 10^18: every power of ten a long holds. */
    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        long p = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = p;
            p *= 10;
        }
    }

    private TimestampUnits() {
    }

    /** Whether a {@code if_tsresol} value can be converted (10^-0..10^-18, 2^-0..2^-63). */
    static boolean supported(int tsresol) {
        int n = tsresol & 0x7f;
        return (tsresol & PcapngDescriptor.TSRESOL_BINARY) != 0 ? n <= 63 : n <= 18;
    }

    /** Whether units of {@code tsresol} are shorter than a microsecond (10^-7 s and finer, 2^-20 s and finer). */
    static boolean finerThanMicroseconds(int tsresol) {
        int n = tsresol & 0x7f;
        return (tsresol & PcapngDescriptor.TSRESOL_BINARY) != 0 ? n >= 20 : n > 6;
    }

    /** {@code units} (an unsigned 64-bit count) of the resolution {@code tsresol}, in nanoseconds. */
    static long toNanos(long units, int tsresol) {
        int n = tsresol & 0x7f;
        if ((tsresol & PcapngDescriptor.TSRESOL_BINARY) == 0) {
            return n <= 9 ? units * POWERS_OF_TEN[9 - n] : Long.divideUnsigned(units, POWERS_OF_TEN[n - 9]);
        }
        long seconds = units >>> n;
        long fraction = n == 0 ? 0 : units & (-1L >>> (64 - n));
        long fractionNanos;
        if (n <= 33) {
            fractionNanos = (fraction * NANOS_PER_SECOND) >>> n; // fraction < 2^33, 1e9 < 2^30: no overflow
        } else {
            // 128-bit product fraction * 1e9, shifted right by n (34..63).
            long high = Math.multiplyHigh(fraction, NANOS_PER_SECOND);
            long low = fraction * NANOS_PER_SECOND;
            fractionNanos = (high << (64 - n)) | (low >>> n);
        }
        return seconds * NANOS_PER_SECOND + fractionNanos;
    }

    /** {@code "10^-6 s"} or {@code "2^-20 s"}, for messages. */
    static String describe(int tsresol) {
        return ((tsresol & PcapngDescriptor.TSRESOL_BINARY) != 0 ? "2^-" : "10^-") + (tsresol & 0x7f) + " s";
    }
}
