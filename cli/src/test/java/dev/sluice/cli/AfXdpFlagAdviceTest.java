package dev.sluice.cli;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line adds its flags to the drivers' messages, keeping the reason and the original. */
class AfXdpFlagAdviceTest {
    @Test
    void forcedZeroCopyNamesTheFlagToDrop() {
        PortSetupException driver = new PortSetupException(Reason.ZERO_COPY_UNSUPPORTED,
                "the driver of veth0 does not support AF_XDP zero-copy (veth never does): ask for copy mode, which works everywhere");
        RuntimeException cli = AfXdpFlagAdvice.withFlags(driver, "veth0", null, true);
        assertThat(cli).isInstanceOfSatisfying(PortSetupException.class, p -> assertThat(p.reason()).isEqualTo(Reason.ZERO_COPY_UNSUPPORTED))
                .hasMessage(driver.getMessage() + ": drop --zero-copy to run in copy mode")
                .hasCause(driver);
        assertThat(driver.getMessage()).doesNotContain("--");
    }

    @Test
    void lockedMemoryNamesUmemFramesOnlyWhereTheCommandHasIt() {
        PortSetupException driver = new PortSetupException(Reason.LOCKED_MEMORY, "the UMEM needs 8192 KiB of locked memory");
        assertThat(AfXdpFlagAdvice.withFlags(driver, "veth0", null, true)).hasMessageEndingWith("(fewer frames: --umem-frames)");
        assertThat(AfXdpFlagAdvice.withFlags(driver, "veth0", null, false)).isSameAs(driver);
    }

    @Test
    void aQueueOfAnInterfaceThatVanishedKeepsTheDriversMessage() {
        PortSetupException driver = new PortSetupException(Reason.QUEUE_OUT_OF_RANGE, "queue 3 is out of range: gone0 has 1 RX queue");
        assertThat(AfXdpFlagAdvice.withFlags(driver, "nosuchif-sl0", null, true)).isSameAs(driver);
    }

    @Test
    void otherFailuresPassUnchanged() {
        IllegalStateException other = new IllegalStateException("something else");
        assertThat(AfXdpFlagAdvice.withFlags(other, "veth0", null, true)).isSameAs(other);
        PortSetupException unknown = new PortSetupException(Reason.UNKNOWN_INTERFACE, "no network interface named 'x'");
        assertThat(AfXdpFlagAdvice.withFlags(unknown, "x", null, true)).isSameAs(unknown);
    }
}
