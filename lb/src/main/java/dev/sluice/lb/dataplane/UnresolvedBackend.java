package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.Forwarding;

import java.net.InetAddress;

/**
 * A backend that takes no new flows because the MAC its packets would go to is unknown: its own
 * (dsr, not in the configuration nor in the kernel's neighbour table yet) or the next hop's
 * (ipip, gue). The control plane logs it once ({@link LbTablesBuilder#newlyUnresolved()}).
 */
public record UnresolvedBackend(String vip, InetAddress backend, Forwarding forwarding) {
    /** One line for the log. */
    public String message() {
        String whose = forwarding == Forwarding.DSR ? "its MAC" : "the MAC of the next hop towards it";
        return "vip " + vip + ": backend " + backend.getHostAddress() + " takes no new flows: " + whose
                + " is not known yet (it is being resolved)";
    }
}
