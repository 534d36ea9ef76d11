package dev.sluice.systest;

import dev.sluice.drivers.PortSetupException;
import dev.sluice.drivers.afpacket.AfPacketOptions;
import dev.sluice.drivers.afpacket.AfPacketPort;
import dev.sluice.sys.NetNs;

/**
 * Child-process main for {@link AfPacketSystemTest}: opens an AF_PACKET port on {@code ifname} in
 * network namespace {@code netns} and prints what happened ("opened", or "reason REASON" and then
 * "setup: MSG"), so that a test can run it with fewer capabilities than itself.
 */
public final class AfPacketOpenProbe {
    private AfPacketOpenProbe() {
    }

    public static void main(String[] args) {
        try (NetNs.Scope ignored = NetNs.enter(args[0]);
             AfPacketPort port = AfPacketPort.open(args[1], AfPacketOptions.defaults())) {
            System.out.println("opened " + port.name());
        } catch (PortSetupException e) {
            System.out.println("reason " + e.reason());
            System.out.println("setup: " + e.getMessage());
            System.exit(3);
        }
    }
}
