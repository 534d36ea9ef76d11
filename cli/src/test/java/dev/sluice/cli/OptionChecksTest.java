package dev.sluice.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules shared by the commands; each failure a {@link Main.UserError} naming the option and what is allowed. */
class OptionChecksTest {
    private static final CpuSet TWO = CpuSet.parse("0-1");

    @Test
    void aCpuOutsideTheAllowedSetIsRefusedWithTheSet() {
        assertThatThrownBy(() -> OptionChecks.cpus(new int[] {99}, 1, TWO))
                .isInstanceOf(Main.UserError.class).hasMessage("--cpu 99 is not a CPU this process may run on (allowed: 0-1)");
        assertThatThrownBy(() -> OptionChecks.cpus(new int[] {-1}, 1, TWO))
                .isInstanceOf(Main.UserError.class).hasMessageContaining("--cpu -1");
        // Allowed means allowed, not merely below the CPU count.
        assertThatThrownBy(() -> OptionChecks.cpus(new int[] {1}, 1, CpuSet.parse("0,2")))
                .isInstanceOf(Main.UserError.class).hasMessageContaining("allowed: 0,2");
    }

    @Test
    void moreCpusThanThreadsOrOneCpuTwiceIsRefused() {
        assertThatThrownBy(() -> OptionChecks.cpus(new int[] {0, 1}, 1, TWO))
                .isInstanceOf(Main.UserError.class).hasMessageContaining("2 CPUs for 1 polling thread");
        assertThatThrownBy(() -> OptionChecks.cpus(new int[] {1, 1}, 2, TWO))
                .isInstanceOf(Main.UserError.class).hasMessageContaining("CPU 1 twice");
        assertThatCode(() -> OptionChecks.cpus(new int[] {1, 0}, 2, TWO)).doesNotThrowAnyException();
        assertThatCode(() -> OptionChecks.cpus(new int[] {1}, 2, TWO)).doesNotThrowAnyException();
        assertThatCode(() -> OptionChecks.cpus(null, 1, TWO)).doesNotThrowAnyException();
    }

    @Test
    void rangesNameTheOptionTheRangeAndTheValue() {
        assertThatThrownBy(() -> OptionChecks.range("--dst-port", 70000, 1, 65535))
                .isInstanceOf(Main.UserError.class).hasMessage("--dst-port must be in 1..65535, not 70000");
        assertThatThrownBy(() -> OptionChecks.nonNegative("--rate", -1, "0: as fast as possible"))
                .isInstanceOf(Main.UserError.class).hasMessage("--rate must be 0 or more (0: as fast as possible), not -1");
        assertThatThrownBy(() -> OptionChecks.nonNegative("--duration", Double.NaN, "0: until Ctrl-C"))
                .isInstanceOf(Main.UserError.class);
    }

    @Test
    void addressesAndModesAreUserErrors() {
        assertThatThrownBy(() -> OptionChecks.mac("--dst-mac", "02:00:00")).isInstanceOf(Main.UserError.class)
                .hasMessageContaining("--dst-mac '02:00:00'");
        assertThatThrownBy(() -> OptionChecks.ipv4("--src-ip", "::1")).isInstanceOf(Main.UserError.class)
                .hasMessageContaining("--src-ip '::1' is not an IPv4 address");
        assertThatThrownBy(() -> OptionChecks.mode("bogus")).isInstanceOf(Main.UserError.class)
                .hasMessageContaining("unknown --mode 'bogus'");
    }
}
