/**
 * Ready-made {@link dev.sluice.pipeline.runtime.PacketHandler}s, such as DPDK testpmd's forwarding
 * modes ({@link dev.sluice.pipeline.handlers.ForwardHandler}).
 */
package dev.sluice.pipeline.handlers;
