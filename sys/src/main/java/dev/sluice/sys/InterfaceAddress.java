package dev.sluice.sys;

import java.net.InetAddress;

/**
 * One address of an interface, as {@link InterfaceAddresses} reads it ({@code ip addr} shows the same).
 *
 * @param ifindex      the interface
 * @param address      the local address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6)
 * @param prefixLength the prefix length of its subnet
 * @param scope        RT_SCOPE_*: universe 0, site 200, link 253, host 254
 * @param flags        IFA_F_* (from IFA_FLAGS when present: it holds the bits beyond 8)
 */
public record InterfaceAddress(int ifindex, InetAddress address, int prefixLength, int scope, int flags) {
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;
    public static final int IFA_F_DADFAILED = 0x08;
    public static final int IFA_F_DEPRECATED = 0x20;
    public static final int IFA_F_TENTATIVE = 0x40;

    /** Whether the kernel would send from it: not tentative (duplicate address detection running) and not a duplicate. */
    public boolean usable() {
        return (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) == 0;
    }
}
