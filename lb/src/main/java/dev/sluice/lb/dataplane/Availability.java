package dev.sluice.lb.dataplane;

/**
 * Whether a configured backend of a VIP takes traffic, as the control plane decides it (health
 * checks, an operator's drain). {@link LbTablesBuilder} turns it into the VIP's arrays:
 * <ul>
 *   <li>{@link #ACTIVE}: in the VIP with its configured weight (0 when its MAC is unknown);</li>
 *   <li>{@link #DRAINED}: in the VIP with effective weight 0: established flows keep it, Maglev gives
 *       it no new flow;</li>
 *   <li>{@link #DOWN}: left out of the VIP: Maglev is built without it and its established flows
 *       move to the backends Maglev gives them (a backend id missing from the VIP counts as gone).</li>
 * </ul>
 */
public enum Availability {
    ACTIVE,
    DRAINED,
    DOWN
}
