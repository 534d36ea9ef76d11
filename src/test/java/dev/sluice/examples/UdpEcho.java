package dev.sluice.examples;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.afxdp.AfXdpInterface;
import dev.sluice.drivers.xdp.SteeringRule;
import dev.sluice.proto.HeaderSwaps;
import dev.sluice.proto.Checksums;
import dev.sluice.proto.PacketParser;
import dev.sluice.pipeline.runtime.Pipeline;
import dev.sluice.umem.Packet;
import dev.sluice.umem.UmemConfig;

import java.net.InetAddress;

/**
 * The README's embedding example, compiled and run by {@code UdpEchoExampleTest}: a UDP echo
 * service (port 7) on the pipeline API. The text between the README markers is copied verbatim
 * into README.md, and a test checks that it still is.
 */
public final class UdpEcho {
    private UdpEcho() {
    }

    // README:begin
    /** Echoes UDP datagrams sent to {@code address} port 7 on {@code ifname} until closed. */
    public static AutoCloseable start(String ifname, InetAddress address) {
        AfXdpInterface iface = AfXdpInterface.open(ifname, new int[] {0}, UmemConfig.defaults(),
                AfXdpOptions.defaults().withSteering(true));      // the rest of the host's traffic stays in the kernel
        iface.steer(SteeringRule.udp(address, 7));
        Pipeline pipeline = Pipeline.builder()
                .ports(iface.queues())                            // one AF_XDP queue, one worker
                .idle("backoff")
                .handler(() -> {
                    PacketParser parser = new PacketParser();     // one per worker, reused for every packet
                    return (batch, verdicts) -> {
                        for (int i = 0; i < batch.count(); i++) {
                            Packet p = batch.packet(i);
                            boolean echo = parser.parse(p) == 0 && parser.ipVersion() == 4
                                    && parser.l4Protocol() == 17 && parser.destinationPort() == 7;
                            if (echo) {
                                // Senders with checksum offload (veth, many NICs) leave a partial
                                // checksum; the reply gets a whole one (a swap will not change it).
                                Checksums.setL4OverIpv4(p.segment(), p.offset() + parser.l3Offset(),
                                        p.offset() + parser.l4Offset(), parser.l4Length(), 17);
                                verdicts.transmit(i, verdicts.receivedOn(i));
                            } else {
                                verdicts.drop(i);                 // the frame goes back to the pool
                            }
                        }
                        HeaderSwaps.swapMacs(batch);              // the reply: MACs, addresses, ports swapped
                        HeaderSwaps.swapFiveTuples(batch);        // in place; checksums stay valid
                    };
                })
                .start();
        return () -> {
            pipeline.close();                                     // every frame back, then
            iface.close();                                        // the XDP program detaches
        };
    }
    // README:end
}
