package dev.sluice.lb.maglev;

import dev.sluice.lb.hash.Hash64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Maglev's properties as the paper (Eisenbud et al., NSDI'16, §3.4) states them: its own worked
 * example, an even spread at M ≥ 100·N, little disruption when backends leave, shares in proportion
 * to weights, and a table that depends only on the set of backends.
 */
class MaglevTableTest {

    private static int[] slots(MaglevTable t) {
        int[] s = new int[t.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.slot(i);
        }
        return s;
    }

    private static int[] counts(MaglevTable t, int backends) {
        int[] c = new int[backends];
        for (int i = 0; i < t.size(); i++) {
            c[t.slot(i)]++;
        }
        return c;
    }

    /** Keys of {@code n} distinct backends, as the data plane derives them (the hash of the address). */
    private static long[] keys(int n, long salt) {
        long[] k = new long[n];
        for (int i = 0; i < n; i++) {
            byte[] address = {10, (byte) (salt), (byte) (i >>> 8), (byte) i};
            k[i] = Hash64.of(address, 0);
        }
        return k;
    }

    private static int[] equalWeights(int n) {
        int[] w = new int[n];
        Arrays.fill(w, 100);
        return w;
    }

    private static int primeAtLeast(int n) {
        return BigInteger.valueOf(n - 1).nextProbablePrime().intValueExact();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 251, 65537, 655373})
    void aFlowHashMapsOntoEverySlotInOrder(int size) {
        assertThat(MaglevTable.slotOf(0L, size)).isZero();
        assertThat(MaglevTable.slotOf(-1L, size)).isEqualTo(size - 1);
        // The slot is the high 32 bits scaled: the preimage of slot s is the hashes whose high half
        // lies in [ceil(s * 2^32 / size), ceil((s + 1) * 2^32 / size)), between floor and ceil of 2^32 / size wide.
        long width = (1L << 32) / size;
        for (int s : new int[] {0, 1, size / 2, size - 1}) {
            long first = ((long) s << 32) / size + ((((long) s << 32) % size) == 0 ? 0 : 1);
            assertThat(MaglevTable.slotOf(first << 32, size)).isEqualTo(s);
            if (first > 0) {
                assertThat(MaglevTable.slotOf((first - 1) << 32 | 0xFFFF_FFFFL, size)).isEqualTo(s - 1);
            }
            long next = (((long) s + 1) << 32) / size + (((((long) s + 1) << 32) % size) == 0 ? 0 : 1);
            assertThat(next - first).isBetween(width, width + 1);
        }
    }

    @Test
    void thePapersTable1() {
        // M = 7; (offset, skip): B0 (3, 4), B1 (0, 2), B2 (3, 1).
        MaglevTable before = MaglevTable.populate(new int[] {3, 0, 3}, new int[] {4, 2, 1}, new int[] {1, 1, 1}, 7);
        assertThat(slots(before)).containsExactly(1, 0, 1, 0, 2, 2, 0);

        // B1 removed: B0 and B2 keep their permutations; B2 is now index 1.
        MaglevTable after = MaglevTable.populate(new int[] {3, 3}, new int[] {4, 1}, new int[] {1, 1}, 7);
        assertThat(slots(after)).containsExactly(0, 0, 0, 0, 1, 1, 1);
    }

    @ParameterizedTest(name = "N={0}")
    @ValueSource(ints = {3, 10, 100, 1000})
    void atOneHundredSlotsPerBackendEveryShareIsWithinOnePercent(int n) {
        int m = primeAtLeast(100 * n);
        MaglevTable t = MaglevTable.build(keys(n, 1), equalWeights(n), m);
        double share = (double) m / n;
        for (int c : counts(t, n)) {
            assertThat(Math.abs(c - share) / share).isLessThanOrEqualTo(0.01);
        }
    }

    @Test
    void equalBackendsTakeTheFloorOrCeilingOfTheirShare() {
        int n = 1000;
        int m = 65537;
        for (int c : counts(MaglevTable.build(keys(n, 2), equalWeights(n), m), n)) {
            assertThat(c).isBetween(m / n, m / n + 1);
        }
    }

    /**
     * Removing backends moves few slots beyond their own. The reference's figures for N = 1000
     * (the shared L4 balancer reference): 1 % of backends removed changes 3.3 % of slots at M = 65537
     * and 1.6 % at M = 655373; 10 % removed, 13.6 % and 11.0 %. They are stated to a tenth of a
     * percent, so the mean over ten removal sets may exceed them by at most that. Measured here
     * (same algorithm): 3.34 %, 1.57 %, 13.54 %, 11.03 %.
     */
    @ParameterizedTest(name = "remove {0} of 1000 at M={1}")
    @CsvSource({"10, 65537, 0.033", "100, 65537, 0.136", "10, 655373, 0.016", "100, 655373, 0.110"})
    void removingBackendsDisruptsNoMoreThanTheReference(int removed, int m, double reference) {
        int n = 1000;
        long[] all = keys(n, 3);
        MaglevTable before = MaglevTable.build(all, equalWeights(n), m);
        int sets = 10;
        double sum = 0;
        for (long seed = 1; seed <= sets; seed++) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                order.add(i);
            }
            Collections.shuffle(order, new Random(seed));
            Set<Integer> gone = new HashSet<>(order.subList(0, removed));
            long[] kept = new long[n - removed];
            for (int i = 0, j = 0; i < n; i++) {
                if (!gone.contains(i)) {
                    kept[j++] = all[i];
                }
            }
            MaglevTable after = MaglevTable.build(kept, equalWeights(kept.length), m);
            int changed = 0;
            for (int s = 0; s < m; s++) {
                if (all[before.slot(s)] != kept[after.slot(s)]) {
                    changed++;
                }
            }
            double disruption = (double) changed / m;
            assertThat(disruption).isGreaterThanOrEqualTo((double) removed / n * 0.9); // at least their own slots
            sum += disruption;
        }
        assertThat(sum / sets).isLessThanOrEqualTo(reference + 0.001);
    }

    @Test
    void sharesFollowWeights() {
        int m = 65537;
        int[] weights = {1, 2, 3};
        int[] c = counts(MaglevTable.build(keys(3, 4), weights, m), 3);
        for (int i = 0; i < 3; i++) {
            double share = m * weights[i] / 6.0;
            assertThat(Math.abs(c[i] - share) / share).as("backend %d: %d slots", i, c[i]).isLessThanOrEqualTo(0.01);
        }
    }

    @Test
    void manyWeightsEachWithinOnePercent() {
        int n = 50;
        int m = 655373;
        Random random = new Random(5);
        int[] weights = new int[n];
        for (int i = 0; i < n; i++) {
            weights[i] = 100 + random.nextInt(65536 - 100);
        }
        long total = Arrays.stream(weights).asLongStream().sum();
        int[] c = counts(MaglevTable.build(keys(n, 5), weights, m), n);
        for (int i = 0; i < n; i++) {
            double share = (double) m * weights[i] / total;
            assertThat(Math.abs(c[i] - share) / share).as("backend %d", i).isLessThanOrEqualTo(0.01);
        }
    }

    @Test
    void weightZeroTakesNoSlotsAndAllZeroMeansNoBackend() {
        MaglevTable t = MaglevTable.build(keys(3, 6), new int[] {100, 0, 100}, 251);
        assertThat(counts(t, 3)[1]).isZero();
        assertThat(counts(t, 3)[0] + counts(t, 3)[2]).isEqualTo(251);

        MaglevTable none = MaglevTable.build(keys(3, 6), new int[] {0, 0, 0}, 251);
        for (int s = 0; s < none.size(); s++) {
            assertThat(none.slot(s)).isEqualTo(MaglevTable.NO_BACKEND);
        }
        assertThat(none.backendFor(12345)).isEqualTo(MaglevTable.NO_BACKEND);
        assertThat(MaglevTable.build(new long[0], new int[0], 7).backendFor(-1L)).isEqualTo(MaglevTable.NO_BACKEND);
    }

    @Test
    void theTableDependsOnlyOnTheKeysInTheirOrder() {
        long[] k = keys(100, 7);
        assertThat(slots(MaglevTable.build(k, equalWeights(100), 65537)))
                .isEqualTo(slots(MaglevTable.build(k.clone(), equalWeights(100), 65537)));
    }

    @Test
    void tablesOf65535BackendsOrMoreKeepEveryIndex() {
        for (int n : new int[] {65534, 65535, 65536}) {
            MaglevTable t = MaglevTable.build(keys(n, 11), equalWeights(n), 65537);
            int[] c = counts(t, n);
            assertThat(java.util.Arrays.stream(c).min().orElseThrow()).as(n + " backends: each has a slot").isGreaterThanOrEqualTo(1);
            assertThat(t.backendFor(-1L)).isBetween(0, n - 1);
            int[] zero = new int[n];
            assertThat(MaglevTable.build(keys(n, 11), zero, 65537).backendFor(-1L)).isEqualTo(MaglevTable.NO_BACKEND);
        }
    }

    @Test
    void everyFlowHashFindsASlot() {
        MaglevTable t = MaglevTable.build(keys(5, 8), equalWeights(5), 7919);
        Random random = new Random(9);
        for (int i = 0; i < 100_000; i++) {
            assertThat(t.backendFor(random.nextLong())).isBetween(0, 4);
        }
        assertThat(t.backendFor(Long.MIN_VALUE)).isBetween(0, 4);
        assertThat(t.backendFor(-1L)).isBetween(0, 4);
    }

    @Test
    void rejectsWhatCannotMakeATable() {
        assertThatThrownBy(() -> MaglevTable.build(keys(2, 9), equalWeights(2), 65536))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prime");
        assertThatThrownBy(() -> MaglevTable.build(keys(2, 9), new int[] {1, -1}, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative weight");
        assertThatThrownBy(() -> MaglevTable.populate(new int[] {0}, new int[] {0}, new int[] {1}, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("skip");
        assertThatThrownBy(() -> MaglevTable.populate(new int[] {7}, new int[] {1}, new int[] {1}, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("offset");
        assertThatThrownBy(() -> MaglevTable.populate(new int[] {0, 1}, new int[] {1}, new int[] {1, 1}, 7))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("length");
        assertThat(MaglevTable.isValidSize(65537)).isTrue();
        assertThat(MaglevTable.isValidSize(65536)).isFalse();
        assertThat(MaglevTable.isValidSize(1)).isFalse();
    }
}
