package dev.sluice.lb.control;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Literals;
import dev.sluice.lb.config.VipConfig;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The backends an operator drained, by address: a drained backend stays in every VIP that holds it
 * with effective weight 0 (its established flows stay, it takes no new ones). A drain outlives
 * reloads while some VIP still holds the address, and is forgotten with the last one.
 *
 * <p>Not thread-safe: the control thread owns it.
 */
final class Drains {
    private final Set<InetAddress> drained = new LinkedHashSet<>();

    boolean contains(InetAddress backend) {
        return drained.contains(backend);
    }

    /** The drained addresses, in the order they were drained. */
    Set<InetAddress> addresses() {
        return Set.copyOf(drained);
    }

    /** Drains {@code backend} in every VIP of {@code config} that holds it; refused when none does. */
    AdminReply drain(LbConfig config, InetAddress backend) {
        List<String> vips = vipsOf(config, backend);
        String address = Literals.text(backend);
        if (vips.isEmpty()) {
            return AdminReply.refused(unknown(config, address));
        }
        if (!drained.add(backend)) {
            return AdminReply.ok("backend " + address + " is already drained (" + String.join(", ", vips) + ")");
        }
        return AdminReply.ok("drained backend " + address + " in " + String.join(", ", vips)
                + ": no new flows, established ones stay");
    }

    /** Gives {@code backend} new flows again; refused when no VIP of {@code config} holds it. */
    AdminReply undrain(LbConfig config, InetAddress backend) {
        List<String> vips = vipsOf(config, backend);
        String address = Literals.text(backend);
        if (vips.isEmpty()) {
            return AdminReply.refused(unknown(config, address));
        }
        if (!drained.remove(backend)) {
            return AdminReply.ok("backend " + address + " is not drained (" + String.join(", ", vips) + ")");
        }
        return AdminReply.ok("undrained backend " + address + " in " + String.join(", ", vips) + ": it takes new flows again");
    }

    /** Forgets the drains of addresses no VIP of {@code config} holds; returns them. */
    List<InetAddress> retain(LbConfig config) {
        List<InetAddress> forgotten = new ArrayList<>();
        for (InetAddress a : drained) {
            if (vipsOf(config, a).isEmpty()) {
                forgotten.add(a);
            }
        }
        forgotten.forEach(drained::remove);
        return forgotten;
    }

    /** Names of the VIPs that hold {@code backend}, in configuration order. */
    static List<String> vipsOf(LbConfig config, InetAddress backend) {
        List<String> vips = new ArrayList<>();
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                if (b.address().equals(backend)) {
                    vips.add(vip.name());
                    break;
                }
            }
        }
        return vips;
    }

    private static String unknown(LbConfig config, String address) {
        Set<String> known = new LinkedHashSet<>();
        for (VipConfig vip : config.vips()) {
            for (BackendConfig b : vip.backends()) {
                known.add(Literals.text(b.address()));
            }
        }
        return "no backend " + address + " in any VIP (backends: " + String.join(", ", known) + ")";
    }
}
