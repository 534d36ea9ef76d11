package dev.sluice.lb.dataplane;

import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.VipConfig;

/**
 * The control plane's answer, while tables are built, to "does this backend of this VIP take
 * traffic?". Asked once per (VIP, backend) per build, on the building thread.
 */
@FunctionalInterface
public interface BackendAvailability {
    /** Every backend takes traffic: what a balancer without health checks or drains builds with. */
    BackendAvailability ALL_ACTIVE = (vip, backend) -> Availability.ACTIVE;

    Availability of(VipConfig vip, BackendConfig backend);
}
