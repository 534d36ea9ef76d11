package dev.sluice.cli;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.PortSetupException.Reason;
import dev.sluice.sys.Errno;
import dev.sluice.sys.NativeException;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Which AF_XDP failures make a tool offer {@code --driver afpacket}. The failures are built the
 * way the AF_XDP driver builds them (same call names and messages); the privilege-dependent rule
 * (AF_PACKET needs CAP_NET_RAW) is why these run with it.
 */
class AfXdpFallbackTest {
    /** AF_PACKET needs CAP_NET_RAW: without it nothing is offered, so these run with it (a failure in CI, else a skip). */
    @BeforeEach
    void netRaw() {
        Privileged.require("opens AF_PACKET sockets", Privileges.CAP_NET_RAW);
    }

    private static NativeException nx(String call, int errno) {
        return new NativeException(call, errno, "doing it", "remedy");
    }

    /**
     * The decision for every reason a driver gives. Spelled out here as a table on purpose: a new
     * reason fails this switch until somebody decides whether AF_PACKET would help with it.
     */
    @ParameterizedTest
    @EnumSource(Reason.class)
    void eachReasonDecidesWhetherToFallBack(Reason reason) {
        boolean fallBack = switch (reason) {
            // AF_XDP needs more than AF_PACKET here: capabilities, XDP support, locked memory
            case PRIVILEGE, XDP_UNSUPPORTED, LOCKED_MEMORY -> true;
            // the user's to fix, and AF_PACKET would fail the same way
            case UNKNOWN_INTERFACE, QUEUE_OUT_OF_RANGE, INVALID_ARGUMENT, XDP_PROGRAM_PRESENT, ZERO_COPY_UNSUPPORTED -> false;
            // not AF_XDP failures at all
            case AF_PACKET_UNSUPPORTED, RINGS_TOO_LARGE, FANOUT_CONFLICT, CAPTURE_FILE -> false;
        };
        PortSetupException failure = new PortSetupException(reason, "whatever the message says");
        assertThat(AfXdpFallback.suggest(failure)).as(reason.name()).isEqualTo(fallBack);
        assertThat(AfXdpFallback.reason(failure).isPresent()).as(reason.name()).isEqualTo(fallBack);
        // wrapped by a caller, the reason still decides
        assertThat(AfXdpFallback.suggest(new RuntimeException("fwd failed", failure))).as(reason.name()).isEqualTo(fallBack);
    }

    @Test
    void theReasonDecidesNotTheMessage() {
        // a message that reads like a fallback case, with a reason that is not one, and the reverse
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.QUEUE_OUT_OF_RANGE,
                "AF_XDP on eth0 needs CAP_BPF: the UMEM needs 8192 KiB of locked memory but RLIMIT_MEMLOCK is 64 KiB"))).isFalse();
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.LOCKED_MEMORY,
                "queue 3 is out of range: no network interface named 'x' already has an XDP program"))).isTrue();
    }

    @Test
    void theReasonOutranksNativeCausesUnderIt() {
        // a verifier rejection would suggest the fallback, but the driver decided it was the user's error
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.UNKNOWN_INTERFACE, "gone",
                nx("bpf BPF_PROG_LOAD", Errno.EACCES)))).isFalse();
        // EBUSY underneath would refuse it, but the driver found that no mode of XDP is supported
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.XDP_UNSUPPORTED, "cannot attach",
                nx("bpf BPF_LINK_CREATE", Errno.EBUSY)))).isTrue();
    }

    @Test
    void xdpRefusedIsTheAttachFailureOnly() {
        assertThat(AfXdpFallback.xdpRefused(new IllegalStateException("wrapped",
                new PortSetupException(Reason.XDP_UNSUPPORTED, "cannot attach")))).isTrue();
        assertThat(AfXdpFallback.xdpRefused(new PortSetupException(Reason.PRIVILEGE, "needs CAP_BPF",
                new PortSetupException(Reason.XDP_UNSUPPORTED, "cannot attach")))).isFalse();
        assertThat(AfXdpFallback.xdpRefused(nx("bpf BPF_LINK_CREATE", Errno.EOPNOTSUPP))).isFalse();
        assertThat(AfXdpFallback.xdpRefused(null)).isFalse();
    }

    @Test
    void reasonsReadAsBefore() {
        assertThat(AfXdpFallback.reason(new PortSetupException(Reason.XDP_UNSUPPORTED, "cannot attach an XDP program to eth0")))
                .contains("the kernel or the driver refuses XDP programs on this interface");
        assertThat(AfXdpFallback.reason(new PortSetupException(Reason.LOCKED_MEMORY, "the UMEM needs ...")))
                .contains("the UMEM exceeds the locked-memory limit (RLIMIT_MEMLOCK)");
        assertThat(AfXdpFallback.reason(new PortSetupException(Reason.PRIVILEGE, "AF_XDP on eth0 needs CAP_BPF")))
                .hasValueSatisfying(r -> assertThat(r).startsWith("missing "));
        assertThat(AfXdpFallback.message("eth0", new PortSetupException(Reason.LOCKED_MEMORY, "the UMEM needs ...")))
                .isEqualTo("AF_XDP is not available on eth0 (the UMEM exceeds the locked-memory limit (RLIMIT_MEMLOCK)):"
                        + " rerun with --driver afpacket");
    }

    @Test
    void aKernelWithoutAfXdpOrBpfIsAReasonToFallBack() {
        assertThat(AfXdpFallback.suggest(nx("socket(AF_XDP)", Errno.EAFNOSUPPORT))).isTrue();
        assertThat(AfXdpFallback.suggest(nx("bpf BPF_MAP_CREATE", Errno.ENOSYS))).isTrue();
        assertThat(AfXdpFallback.message("eth0", nx("socket(AF_XDP)", Errno.EAFNOSUPPORT)))
                .isEqualTo("AF_XDP is not available on eth0 (this kernel has no AF_XDP sockets): rerun with --driver afpacket");
    }

    @Test
    void xdpRefusedByTheDriverOrTheVerifierIsAReasonToFallBack() {
        assertThat(AfXdpFallback.suggest(nx("bpf BPF_LINK_CREATE", Errno.EOPNOTSUPP))).isTrue();
        assertThat(AfXdpFallback.suggest(nx("netlink RTM_SETLINK IFLA_XDP", Errno.EOPNOTSUPP))).isTrue();
        assertThat(AfXdpFallback.suggest(nx("bpf BPF_PROG_LOAD", Errno.EACCES))).isTrue();
        // wrapped the way AfXdpInterface.attach wraps XdpAttachment's failure
        IllegalStateException attach = new IllegalStateException("cannot attach an XDP program to eth0 in mode AUTO:\n ...",
                nx("bpf BPF_LINK_CREATE", Errno.EINVAL));
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.XDP_UNSUPPORTED, attach.getMessage(), attach))).isTrue();
    }

    @Test
    void missingBpfPrivilegesOrMemlockAreReasonsToFallBack() {
        assertThat(AfXdpFallback.suggest(nx("bpf BPF_PROG_LOAD", Errno.EPERM))).isTrue();
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.PRIVILEGE,
                "AF_XDP on eth0 needs CAP_BPF: run as root or grant them"))).isTrue();
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.LOCKED_MEMORY,
                "the UMEM needs 16384 KiB of locked memory but RLIMIT_MEMLOCK is 8192 KiB: raise it"))).isTrue();
        assertThat(AfXdpFallback.suggest(nx("setsockopt(XDP_UMEM_REG)", Errno.ENOBUFS))).isTrue();
        assertThat(AfXdpFallback.reason(nx("setsockopt(XDP_UMEM_REG)", Errno.ENOBUFS))).contains(
                "the UMEM exceeds the locked-memory limit (RLIMIT_MEMLOCK)");
    }

    @Test
    void userErrorsAndBusyInterfacesAreNotReasonsToFallBack() {
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.UNKNOWN_INTERFACE,
                "no network interface named 'nope0' (see 'ip link')"))).isFalse();
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.QUEUE_OUT_OF_RANGE,
                "queue 3 is out of range: eth0 has 1 RX queue (use --queue 0)"))).isFalse();
        assertThat(AfXdpFallback.suggest(new PortSetupException(Reason.XDP_PROGRAM_PRESENT,
                "interface eth0 already has an XDP program attached (id 7)"))).isFalse();
        assertThat(AfXdpFallback.suggest(nx("bind(AF_XDP, XDP_COPY)", Errno.EBUSY))).isFalse();
        assertThat(AfXdpFallback.suggest(nx("bind(AF_XDP, XDP_ZEROCOPY)", Errno.EOPNOTSUPP))).isFalse();
        assertThat(AfXdpFallback.suggest(new IllegalArgumentException("ring size must be a power of two"))).isFalse();
        assertThat(AfXdpFallback.suggest(null)).isFalse();
    }

    @Test
    void theFirstRecognisedNativeCauseDecides() {
        RuntimeException busyUnderneath = new RuntimeException("wrapper", nx("bpf BPF_LINK_CREATE", Errno.EBUSY));
        assertThat(AfXdpFallback.suggest(busyUnderneath)).isFalse();
    }
}
