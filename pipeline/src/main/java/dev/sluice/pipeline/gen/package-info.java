/**
 * Traffic generation: {@link dev.sluice.pipeline.gen.UdpTemplate}, the UDP frame written once into
 * every UMEM frame, and {@link dev.sluice.pipeline.gen.TxGenerator}, the burst loop that stamps each
 * packet's flow (its source port, from the template's up to 65535, never wrapping) and transmits.
 */
package dev.sluice.pipeline.gen;
