package dev.sluice.systest;

import dev.sluice.proto.Checksums;
import dev.sluice.umem.Packet;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;

/** Writes Ethernet/IPv4/UDP frames with correct checksums into packets, and reads them back. */
final class UdpFrames {
    static final int ETH = 14;
    static final int IP = 20;
    static final int UDP = 8;
    static final int HEADERS = ETH + IP + UDP;

    private UdpFrames() {
    }

    static byte[] mac(String text) {
        return HexFormat.ofDelimiter(":").parseHex(text);
    }

    static int ipv4(String text) {
        try {
            byte[] b = InetAddress.getByName(text).getAddress();
            return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Fills {@code p} with a UDP datagram whose payload is {@code payload}; sets the length. */
    static void write(Packet p, byte[] srcMac, byte[] dstMac, int srcIp, int dstIp, int srcPort, int dstPort, byte[] payload) {
        int len = HEADERS + payload.length;
        for (int i = 0; i < 6; i++) {
            p.setByte(i, dstMac[i]);
            p.setByte(6 + i, srcMac[i]);
        }
        p.setShort(12, 0x0800);
        p.setByte(ETH, 0x45);
        p.setByte(ETH + 1, 0);
        p.setShort(ETH + 2, IP + UDP + payload.length);
        p.setShort(ETH + 4, 0x1234);
        p.setShort(ETH + 6, 0x4000);
        p.setByte(ETH + 8, 64);
        p.setByte(ETH + 9, 17);
        p.setInt(ETH + 12, srcIp);
        p.setInt(ETH + 16, dstIp);
        p.setShort(ETH + IP, srcPort);
        p.setShort(ETH + IP + 2, dstPort);
        p.setShort(ETH + IP + 4, UDP + payload.length);
        for (int i = 0; i < payload.length; i++) {
            p.setByte(HEADERS + i, payload[i]);
        }
        p.setLength(len);
        Checksums.setIpv4Header(p.segment(), p.offset() + ETH);
        Checksums.setL4OverIpv4(p.segment(), p.offset() + ETH, p.offset() + ETH + IP, UDP + payload.length, 17);
    }

    /** The payload of sequence number {@code seq}: the number, then bytes derived from it. */
    static byte[] numbered(long seq, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < 8; i++) {
            b[i] = (byte) (seq >>> (56 - 8 * i));
        }
        for (int i = 8; i < size; i++) {
            b[i] = (byte) (seq * 31 + i);
        }
        return b;
    }

    /** The sequence number of a numbered payload, or -1 when its bytes are not intact. */
    static long sequence(byte[] payload) {
        if (payload.length < 8) {
            return -1;
        }
        long seq = 0;
        for (int i = 0; i < 8; i++) {
            seq = (seq << 8) | (payload[i] & 0xff);
        }
        for (int i = 8; i < payload.length; i++) {
            if (payload[i] != (byte) (seq * 31 + i)) {
                return -1;
            }
        }
        return seq;
    }
}
