package dev.sluice.drivers.xdp;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The key and value of the steering rule map (a BPF hash map) shared by the steering program and
 * {@link XdpProgram#addRule}. The program builds the same key on its stack from the packet and
 * looks it up up to three times, widening it each time (port 0, then protocol 0); an entry takes
 * the packet when its flags include {@link #MATCH_ALL} or the packet's class.
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
 * value, 4 bytes: u32 flags, host order; which packets the entry takes:
 *
 *   bit 0  MATCH_ALL              every packet its key names (any exact rule; a VIP's own key)
 *   bit 1  MATCH_LATER_FRAGMENTS  non-first fragments; on {address, protocol, 0} of a VIP with a port
 *   bit 2  MATCH_VIP_ICMP         ICMP echo request, fragmentation needed (3/4), ICMPv6 echo request,
 *                                 packet too big; on {address, 0, 0} of every VIP
 *
 * entries of a rule (an entry's flags are the OR over every rule that has it):
 *
 *   exact {a, p, port}             {a, p, port}: ALL
 *   VIP   {a, p, port != 0}        {a, p, port}: ALL    {a, p, 0}: LATER_FRAGMENTS   {a, 0, 0}: VIP_ICMP
 *   VIP   {a, p, 0}                {a, p, 0}: ALL                                    {a, 0, 0}: VIP_ICMP
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

    public static final int MATCH_ALL = 1;
    public static final int MATCH_LATER_FRAGMENTS = 2;
    public static final int MATCH_VIP_ICMP = 4;

    /** Map entries one rule may need: a VIP with a port has three. */
    public static final int MAX_ENTRIES_PER_RULE = 3;

    /** One key of the map. */
    record Key(InetAddress address, int protocol, int port) {
    }

    private SteeringKeyDescriptor() {
    }

    /** The entries {@code rule} needs, key to flags (table above). */
    static Map<Key, Integer> entriesOf(SteeringRule rule) {
        Map<Key, Integer> entries = new LinkedHashMap<>();
        InetAddress a = rule.address();
        entries.put(new Key(a, rule.protocol(), rule.port()), MATCH_ALL);
        if (rule.isVip()) {
            if (rule.port() != SteeringRule.ANY) {
                entries.put(new Key(a, rule.protocol(), SteeringRule.ANY), MATCH_LATER_FRAGMENTS);
            }
            entries.put(new Key(a, SteeringRule.ANY, SteeringRule.ANY), MATCH_VIP_ICMP);
        }
        return entries;
    }

    /** The flags every key needs for {@code rules} together. */
    static Map<Key, Integer> entriesOf(Collection<SteeringRule> rules) {
        Map<Key, Integer> all = new LinkedHashMap<>();
        for (SteeringRule rule : rules) {
            entriesOf(rule).forEach((key, flags) -> all.merge(key, flags, (x, y) -> x | y));
        }
        return all;
    }

    /** The keys {@code rule} touches, for updating only those. */
    static List<Key> keysOf(SteeringRule rule) {
        return new ArrayList<>(entriesOf(rule).keySet());
    }

    /** Writes the key of {@code rule} (its most specific entry) into the first {@link #KEY_SIZE} bytes of {@code key}. */
    public static void encode(SteeringRule rule, MemorySegment key) {
        encode(new Key(rule.address(), rule.protocol(), rule.port()), key);
    }

    static void encode(Key k, MemorySegment key) {
        key.asSlice(0, KEY_SIZE).fill((byte) 0);
        byte[] address = k.address().getAddress();
        MemorySegment.copy(address, 0, key, JAVA_BYTE, ADDRESS_OFFSET, address.length);
        key.set(JAVA_BYTE, FAMILY_OFFSET, (byte) (k.address() instanceof Inet4Address ? FAMILY_IPV4 : FAMILY_IPV6));
        key.set(JAVA_BYTE, PROTOCOL_OFFSET, (byte) k.protocol());
        key.set(JAVA_BYTE, PORT_OFFSET, (byte) (k.port() >>> 8));
        key.set(JAVA_BYTE, PORT_OFFSET + 1, (byte) k.port());
    }

    /** Writes an entry's flags, in host order as the program reads them. */
    static void encodeValue(int flags, MemorySegment value) {
        value.set(JAVA_INT.withByteAlignment(1), FLAGS_OFFSET, flags);
    }
}
