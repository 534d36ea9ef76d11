package dev.sluice.cli;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.sys.NetNs;
import dev.sluice.umem.UmemConfig;

/**
 * Adds the command-line flag that fixes an AF_XDP setup failure to the driver's message: the
 * drivers say what is wrong in the library's terms ("queue 3 is out of range: eth0 has 1 RX
 * queue"), the command line says which of its flags to change ("(use --queue 0)"). Decided by the
 * failure's {@link PortSetupException.Reason}, never by its message.
 */
final class AfXdpFlagAdvice {
    private AfXdpFlagAdvice() {
    }

    /** {@link AfXdpInterface#prepare} in this namespace, a failure with flag advice (for {@code gen}: no {@code --umem-frames}). */
    static AfXdpInterface prepare(String iface, int[] queues, UmemConfig umem, AfXdpOptions options) {
        try {
            return AfXdpInterface.prepare(iface, queues, umem, options);
        } catch (RuntimeException e) {
            throw withFlags(e, iface, null, false);
        }
    }

    /**
     * {@code failure} with flag advice appended when it is a {@link PortSetupException} of a reason
     * a flag can fix (same reason, the original as cause); otherwise {@code failure} itself.
     *
     * @param netns             where the interface lives (null: this namespace), to count its queues
     * @param umemFramesOption  whether the command has {@code --umem-frames}
     */
    static RuntimeException withFlags(RuntimeException failure, String iface, String netns, boolean umemFramesOption) {
        if (!(failure instanceof PortSetupException p)) {
            return failure;
        }
        String advice = switch (p.reason()) {
            case QUEUE_OUT_OF_RANGE -> queueAdvice(iface, netns);
            case ZERO_COPY_UNSUPPORTED -> ": drop --zero-copy to run in copy mode";
            case LOCKED_MEMORY -> umemFramesOption ? " (fewer frames: --umem-frames)" : "";
            default -> "";
        };
        return advice.isEmpty() ? failure : new PortSetupException(p.reason(), p.getMessage() + advice, p);
    }

    private static String queueAdvice(String iface, String netns) {
        int queues;
        try (NetNs.Scope ignored = netns == null ? null : NetNs.enter(netns)) {
            queues = AfXdpInterface.allQueues(iface).length; // the queues in use, as the driver's check counts them
        } catch (RuntimeException e) {
            return ""; // the interface went away meanwhile: the driver's message stands alone
        }
        return queues <= 1 ? " (use --queue 0)" : " (--queue takes 0.." + (queues - 1) + ")";
    }
}
