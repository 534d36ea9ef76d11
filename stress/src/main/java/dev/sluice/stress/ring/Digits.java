package dev.sluice.stress.ring;

/**
 * Encodes the order in which small descriptors (1..9) were received as decimal digits, so that one
 * int of an outcome names a whole sequence: receiving 1, 3, 2 gives 132; receiving nothing gives 0.
 */
final class Digits {

    private Digits() {
    }

    static int append(int digits, long descriptor) {
        if (descriptor < 1 || descriptor > 9) {
            return -1_000_000; // out of range: an outcome no table accepts
        }
        return digits * 10 + (int) descriptor;
    }

    /** The digits of {@code received[0..n)}, in order. */
    static int of(long[] received, int n) {
        int digits = 0;
        for (int i = 0; i < n; i++) {
            digits = append(digits, received[i]);
        }
        return digits;
    }
}
