package dev.sluice.lb.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers of the literal values a configuration (or a command line) holds: IP addresses, prefixes,
 * MACs, durations, interface names. Addresses are parsed as literals only, never looked up in DNS.
 * Each method returns the value or throws {@link IllegalArgumentException} whose message is one line
 * saying what is wrong and what is allowed (the loader adds the file position and key path).
 */
public final class Literals {
    /** Longest interface name Linux accepts (IFNAMSIZ - 1). */
    public static final int MAX_INTERFACE_NAME = 15;

    private static final Pattern DURATION = Pattern.compile("([0-9]{1,12})(ms|s|m|h)");
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}");

    private Literals() {
    }

    /** An IPv4 literal ({@code 10.0.0.1}: four decimal parts, no leading zeros) or IPv6 literal ({@code fd00::1}). */
    public static InetAddress address(String text) {
        if (text.indexOf(':') >= 0) {
            return ipv6(text);
        }
        if (text.indexOf('.') >= 0 && !text.isEmpty() && Character.isDigit(text.charAt(0))) {
            return ipv4(text);
        }
        throw new IllegalArgumentException(quote(text) + " is not an IP address (an IPv4 or IPv6 literal such as "
                + "10.0.0.1 or fd00::1; names are not looked up)");
    }

    /** A literal of either family that a packet can be sent to: not unspecified, loopback, multicast or broadcast. */
    public static InetAddress unicastAddress(String text) {
        InetAddress a = address(text);
        String why = a.isAnyLocalAddress() ? "the unspecified address"
                : a.isLoopbackAddress() ? "a loopback address"
                : a.isMulticastAddress() ? "a multicast address"
                : a instanceof Inet4Address && isAllOnes(a.getAddress()) ? "the broadcast address"
                : null;
        if (why != null) {
            throw new IllegalArgumentException(quote(text) + " is " + why + " (a unicast address is needed)");
        }
        return a;
    }

    private static Inet4Address ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        byte[] b = new byte[4];
        boolean ok = parts.length == 4;
        for (int i = 0; ok && i < 4; i++) {
            String p = parts[i];
            ok = !p.isEmpty() && p.length() <= 3 && p.chars().allMatch(c -> c >= '0' && c <= '9')
                    && (p.length() == 1 || p.charAt(0) != '0') && Integer.parseInt(p) <= 255;
            if (ok) {
                b[i] = (byte) Integer.parseInt(p);
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(quote(text) + " is not an IPv4 address (four decimal numbers 0..255 "
                    + "without leading zeros, e.g. 10.0.0.1)");
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // only for a wrong byte count
        }
    }

    private static Inet6Address ipv6(String text) {
        if (text.indexOf('%') >= 0) {
            throw new IllegalArgumentException(quote(text) + " has a zone id; write the address without %zone");
        }
        InetAddress a;
        try {
            a = Inet6Address.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(quote(text) + " is not an IPv6 address (e.g. fd00::1 or 2001:db8::10)");
        }
        if (a instanceof Inet6Address six) {
            return six;
        }
        throw new IllegalArgumentException(quote(text) + " is an IPv4-mapped IPv6 address; write the IPv4 address "
                + a.getHostAddress());
    }

    /**
     * An address as people write it: IPv4 dotted, IPv6 in the RFC 5952 form (lower case, the longest
     * run of two or more zero groups, the first of equals, as {@code ::}): {@code 2001:db8::7}.
     */
    public static String text(InetAddress a) {
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
        }
        int zerosAt = -1;
        int zeros = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > zeros) {
                zerosAt = i;
                zeros = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == zerosAt) {
                s.append("::");
                i += zeros - 1;
                continue;
            }
            if (!s.isEmpty() && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(groups[i]));
        }
        return s.toString();
    }

    private static boolean isAllOnes(byte[] b) {
        for (byte x : b) {
            if (x != -1) {
                return false;
            }
        }
        return true;
    }

    /** A network prefix: address and length, host bits zero. */
    public record Prefix(InetAddress address, int length) {
        @Override
        public String toString() {
            return text(address) + "/" + length;
        }
    }

    /** {@code 10.255.0.0/16} or {@code fd00:1::/64}: a literal, a slash, a length within the family, host bits zero. */
    public static Prefix prefix(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException(quote(text) + " is not a prefix (ADDRESS/LENGTH, e.g. 10.255.0.0/16 "
                    + "or fd00:1::/64)");
        }
        InetAddress a = address(text.substring(0, slash));
        int max = a.getAddress().length * 8;
        String len = text.substring(slash + 1);
        int length = len.matches("[0-9]{1,3}") ? Integer.parseInt(len) : -1;
        if (length < 0 || length > max) {
            throw new IllegalArgumentException(quote(text) + " has prefix length " + quote(len) + " (allowed: 0.."
                    + max + ")");
        }
        byte[] b = a.getAddress();
        for (int bit = length; bit < max; bit++) {
            if ((b[bit / 8] & (0x80 >>> (bit % 8))) != 0) {
                throw new IllegalArgumentException(quote(text) + " has host bits set after /" + length
                        + " (write the network address)");
            }
        }
        return new Prefix(a, length);
    }

    /** {@code 02:00:00:00:00:01} (six hex pairs, colons) as the 48 low bits, first wire byte in bits 47..40; unicast only. */
    public static long mac(String text) {
        if (!MAC.matcher(text).matches()) {
            throw new IllegalArgumentException(quote(text) + " is not a MAC address (six hex pairs with colons, "
                    + "e.g. 02:00:5e:10:00:01)");
        }
        long mac = Long.parseLong(text.replace(":", ""), 16);
        if (mac == 0) {
            throw new IllegalArgumentException(quote(text) + " is the all-zero MAC (a unicast MAC is needed)");
        }
        if ((mac & (1L << 40)) != 0) {
            throw new IllegalArgumentException(quote(text) + " is a multicast MAC (the first byte's lowest bit is "
                    + "set; a unicast MAC is needed)");
        }
        return mac;
    }

    /** {@code aa:bb:cc:dd:ee:ff} of a MAC held in the 48 low bits. */
    public static String formatMac(long mac) {
        StringBuilder s = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift != 40) {
                s.append(':');
            }
            s.append(Character.forDigit((int) (mac >>> (shift + 4)) & 0xf, 16));
            s.append(Character.forDigit((int) (mac >>> shift) & 0xf, 16));
        }
        return s.toString();
    }

    /** A whole number and a unit: {@code 500ms}, {@code 300s}, {@code 2m}, {@code 1h}. */
    public static Duration duration(String text) {
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(quote(text) + " is not a duration (a whole number and a unit ms, s, m "
                    + "or h, e.g. 500ms, 300s, 2m, 1h)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /** {@code 300s}, {@code 500ms}: the shortest form {@link #duration} reads back. */
    public static String formatDuration(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms != 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms != 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    /** A name Linux accepts for a network interface: 1..15 bytes, not . or .., no slash, colon or white space. */
    public static String interfaceName(String text) {
        boolean ok = !text.isEmpty() && text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= MAX_INTERFACE_NAME
                && !text.equals(".") && !text.equals("..");
        for (int i = 0; ok && i < text.length(); i++) {
            char c = text.charAt(i);
            ok = c > ' ' && c != '/' && c != ':' && c != 0x7f;
        }
        if (!ok) {
            throw new IllegalArgumentException(quote(text) + " is not an interface name (1.." + MAX_INTERFACE_NAME
                    + " characters, no /, : or white space)");
        }
        return text;
    }

    /** {@code 'text'}, shortened and with control characters escaped, so that a message stays one line. */
    static String quote(String text) {
        StringBuilder s = new StringBuilder("'");
        int limit = 60;
        for (int i = 0; i < text.length(); i++) {
            if (i == limit) {
                s.append("...");
                break;
            }
            char c = text.charAt(i);
            if (Character.isISOControl(c)) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('\'').toString();
    }
}
