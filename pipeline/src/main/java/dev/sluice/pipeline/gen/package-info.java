/**
 * Traffic generation: a UDP frame template written once into every UMEM frame
 * ({@link dev.sluice.pipeline.gen.UdpTemplate}) and the burst that stamps and sends it
 * ({@link dev.sluice.pipeline.gen.TxGenerator}), for {@code sluice gen}.
 */
package dev.sluice.pipeline.gen;
