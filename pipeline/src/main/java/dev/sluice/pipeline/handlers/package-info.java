/**
 * Ready-made {@link dev.sluice.pipeline.runtime.PacketHandler}s: {@link dev.sluice.pipeline.handlers.ForwardHandler}
 * runs DPDK testpmd's forward modes ({@link dev.sluice.pipeline.handlers.ForwardMode}), the data path of
 * {@code sluice fwd} and {@code sluice demo}.
 */
package dev.sluice.pipeline.handlers;
