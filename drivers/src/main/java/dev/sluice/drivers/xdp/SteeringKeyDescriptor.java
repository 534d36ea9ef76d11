package dev.sluice.drivers.xdp;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

/**
 * The key and value of the steering rule map (a BPF hash map) shared by the steering program and
 * {@link XdpProgram#addRule}. The program builds the same key on its stack from the packet and
 * looks it up up to three times, widening it each time (port 0, then protocol 0).
 *
 * <pre>
 * key, 20 bytes, no padding (the hash covers every byte, so unused bytes must be zero):
 *
 *   0                                              16       17       18       20
 *   +-----------------------------------------------+--------+--------+--------+
 *   | address: 16 bytes, network order              | family |protocol|  port  |
 *   |  IPv4: bytes 0..3, bytes 4..15 zero           |  4 / 6 |  u8    |u16, BE |
 *   +-----------------------------------------------+--------+--------+--------+
 *
 *   family   IP version of the address, 4 or 6. A separate byte rather than an IPv4-mapped IPv6
 *            address, so that an IPv6 packet to ::ffff:a.b.c.d never matches an IPv4 rule.
 *   protocol IPv4 protocol / IPv6 next header; 0 = any.
 *   port     TCP/UDP destination port as on the wire (big-endian); 0 = any.
 *
 * value, 4 bytes: u32 flags, reserved, written as 0 (the program only tests for presence).
 * </pre>
 */
public final class SteeringKeyDescriptor {
    public static final int ADDRESS_OFFSET = 0;
    public static final int ADDRESS_LENGTH = 16;
    public static final int FAMILY_OFFSET = 16;
    public static final int PROTOCOL_OFFSET = 17;
    public static final int PORT_OFFSET = 18;
    public static final int KEY_SIZE = 20;

    public static final int FAMILY_IPV4 = 4;
    public static final int FAMILY_IPV6 = 6;

    public static final int VALUE_SIZE = 4;
    public static final int FLAGS_OFFSET = 0;

    private SteeringKeyDescriptor() {
    }

    /** Writes the key of {@code rule} into the first {@link #KEY_SIZE} bytes of {@code key}. */
    public static void encode(SteeringRule rule, MemorySegment key) {
        key.asSlice(0, KEY_SIZE).fill((byte) 0);
        byte[] address = rule.address().getAddress();
        MemorySegment.copy(address, 0, key, JAVA_BYTE, ADDRESS_OFFSET, address.length);
        key.set(JAVA_BYTE, FAMILY_OFFSET, (byte) (rule.isIpv4() ? FAMILY_IPV4 : FAMILY_IPV6));
        key.set(JAVA_BYTE, PROTOCOL_OFFSET, (byte) rule.protocol());
        key.set(JAVA_BYTE, PORT_OFFSET, (byte) (rule.port() >>> 8));
        key.set(JAVA_BYTE, PORT_OFFSET + 1, (byte) rule.port());
    }
}
