/**
 * The L4 load balancer as a library: configuration model, Maglev, connection table, the forwarding
 * handler and the control plane. It sits on the pipeline runtime and knows nothing of the command
 * line ({@code dev.sluice.cli} depends on it, never the reverse).
 *
 * <p>Empty until the balancer's data plane lands; the module exists so that the dependency chain
 * cli → lb → pipeline is in place for it.
 */
package dev.sluice.lb;
