package dev.sluice.systest;

import dev.sluice.testing.FrameBuilder;
import dev.sluice.testing.NumberedPayload;
import dev.sluice.umem.Packet;

/**
 * Ethernet/IPv4/UDP frames of the system tests: built by the shared {@link FrameBuilder} (checksums
 * from the reference implementation, not the code under test) and copied into packets.
 */
final class UdpFrames {
    static final int ETH = 14;
    static final int IP = 20;
    static final int UDP = 8;
    static final int HEADERS = ETH + IP + UDP;

    private UdpFrames() {
    }

    static long mac(String text) {
        return FrameBuilder.mac(text);
    }

    static int ipv4(String text) {
        return FrameBuilder.ipv4(text);
    }

    /** Fills {@code p} with a UDP datagram whose payload is {@code payload}; sets the length. */
    static void write(Packet p, long srcMac, long dstMac, int srcIp, int dstIp, int srcPort, int dstPort, byte[] payload) {
        byte[] frame = new FrameBuilder().ethernet(dstMac, srcMac).ipv4(srcIp, dstIp, 17).udp(srcPort, dstPort, payload).build();
        for (int i = 0; i < frame.length; i++) {
            p.setByte(i, frame[i]);
        }
        p.setLength(frame.length);
    }

    /** The payload of sequence number {@code seq}: see {@link NumberedPayload}. */
    static byte[] numbered(long seq, int size) {
        return NumberedPayload.of(seq, size);
    }

    /** The sequence number of a numbered payload, or -1 when its bytes are not intact. */
    static long sequence(byte[] payload) {
        return NumberedPayload.sequence(payload);
    }
}
