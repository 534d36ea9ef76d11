package dev.sluice.pipeline.gen;

import dev.sluice.proto.Checksums;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The Ethernet/IPv4/UDP frame a generator sends, written once into every frame of the UMEM; per
 * packet only the source port (the flow) and the UDP checksum change, the checksum by an RFC 1624
 * incremental update from a precomputed base, so that every packet on the wire is valid.
 *
 * <pre>
 *  0 dst MAC  6 src MAC  12 0x0800 | 14 IPv4 (20, no options) | 34 UDP (8) | 42 payload (zeros)
 * </pre>
 */
public final class UdpTemplate {
    public static final int ETH = 14;
    public static final int IP = 20;
    public static final int UDP = 8;
    public static final int SRC_PORT = ETH + IP;
    public static final int UDP_CHECKSUM = ETH + IP + 6;
    /** Smallest frame (without FCS) that carries the headers: 42 bytes; Ethernet's minimum is 60. */
    public static final int MIN_LENGTH = ETH + IP + UDP;
    /** Highest UDP port number. */
    public static final int MAX_PORT = 0xFFFF;

    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt INT_BE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final byte[] frame;
    private final int baseSourcePort;
    private final int baseChecksum;

    /**
     * @param length frame length without FCS (60 for the classic 64-byte packet), ≥ 42
     */
    public UdpTemplate(byte[] srcMac, byte[] dstMac, int srcIp, int dstIp, int srcPort, int dstPort, int length) {
        if (length < MIN_LENGTH || length > 1514) {
            throw new IllegalArgumentException("frame length must be in " + MIN_LENGTH + "..1514, not " + length);
        }
        if (srcPort < 0 || srcPort > MAX_PORT || dstPort < 0 || dstPort > MAX_PORT) {
            throw new IllegalArgumentException("ports must be in 0.." + MAX_PORT + ", not " + srcPort + " and " + dstPort);
        }
        frame = new byte[length];
        MemorySegment s = MemorySegment.ofArray(frame);
        MemorySegment.copy(dstMac, 0, s, ValueLayout.JAVA_BYTE, 0, 6);
        MemorySegment.copy(srcMac, 0, s, ValueLayout.JAVA_BYTE, 6, 6);
        s.set(SHORT_BE, 12, (short) 0x0800);
        s.set(ValueLayout.JAVA_BYTE, ETH, (byte) 0x45);
        s.set(SHORT_BE, ETH + 2, (short) (length - ETH));
        s.set(SHORT_BE, ETH + 6, (short) 0x4000); // don't fragment
        s.set(ValueLayout.JAVA_BYTE, ETH + 8, (byte) 64);
        s.set(ValueLayout.JAVA_BYTE, ETH + 9, (byte) 17);
        s.set(INT_BE, ETH + 12, srcIp);
        s.set(INT_BE, ETH + 16, dstIp);
        s.set(SHORT_BE, SRC_PORT, (short) srcPort);
        s.set(SHORT_BE, SRC_PORT + 2, (short) dstPort);
        s.set(SHORT_BE, SRC_PORT + 4, (short) (length - ETH - IP));
        Checksums.setIpv4Header(s, ETH);
        Checksums.setL4OverIpv4(s, ETH, ETH + IP, length - ETH - IP, 17);
        baseSourcePort = srcPort & 0xFFFF;
        baseChecksum = s.get(SHORT_BE, UDP_CHECKSUM) & 0xFFFF;
    }

    /** Flows this template can carry: source ports from the base up to {@link #MAX_PORT}, none wrapping to 0. */
    public int flowCapacity() {
        return MAX_PORT + 1 - baseSourcePort;
    }

    public int length() {
        return frame.length;
    }

    /** Writes the whole template at {@code offset} (setup time). */
    public void writeTo(MemorySegment seg, long offset) {
        MemorySegment.copy(frame, 0, seg, ValueLayout.JAVA_BYTE, offset, frame.length);
    }

    /**
     * Sets the flow of the frame at {@code offset}: source port base + flow, checksum fixed up.
     * {@code flow} must be below {@link #flowCapacity()} (not checked here: the hot loop's caller
     * checks its flow count once).
     */
    public void setFlow(MemorySegment seg, long offset, int flow) {
        int port = baseSourcePort + flow;
        seg.set(SHORT_BE, offset + SRC_PORT, (short) port);
        // RFC 1624, eqn. 3: HC' = ~(~HC + ~m + m'). A result of 0 is sent as 0xFFFF (UDP: 0 = none).
        int sum = (~baseChecksum & 0xFFFF) + (~baseSourcePort & 0xFFFF) + port;
        sum = (sum & 0xFFFF) + (sum >>> 16);
        sum = (sum & 0xFFFF) + (sum >>> 16);
        int c = ~sum & 0xFFFF;
        seg.set(SHORT_BE, offset + UDP_CHECKSUM, (short) (c == 0 ? 0xFFFF : c));
    }
}
