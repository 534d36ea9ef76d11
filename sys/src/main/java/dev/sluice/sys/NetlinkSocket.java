package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * One rtnetlink socket (NETLINK_ROUTE) and the two exchanges every request uses: a request answered
 * by one reply or an acknowledgement ({@link #request}), and a dump answered by any number of
 * datagrams of multi-part messages up to NLMSG_DONE ({@link #dump}). The socket belongs to the
 * network namespace of the thread that opened it, for its whole life, whichever thread uses it later.
 * Not thread-safe: callers serialize their requests (one request at a time per socket).
 *
 * <pre>
 * every message:   nlmsghdr (16)                      then the family's fixed header, then attributes
 *                  0 len u32 (header included)
 *                  4 type u16 (RTM_*, NLMSG_*)
 *                  6 flags u16 (NLM_F_*)
 *                  8 seq u32   (the request's, echoed in every reply)
 *                 12 pid u32   (port id; 0 = the kernel)
 * attribute:       0 rta_len u16 (4 + payload)   2 rta_type u16   4 payload, padded to 4 bytes
 * NLMSG_ERROR:     nlmsghdr, 16 error i32 (-errno; 0 = ACK), 20 the request's nlmsghdr (NETLINK_CAP_ACK:
 *                  header only), then, with NLM_F_ACK_TLVS, attributes: NLMSGERR_ATTR_MSG 1 (string)
 * NLMSG_DONE:      nlmsghdr, 16 error i32 (0, or -errno when the dump failed part way)
 * A dump's replies carry NLM_F_MULTI; NLM_F_DUMP_INTR on any of them means the table changed during
 * the dump and its content may be inconsistent: {@link #dump} reports it and callers dump again.
 * </pre>
 */
public final class NetlinkSocket implements AutoCloseable {
    public static final int NLMSG_HDR = 16;
    public static final short NLMSG_ERROR = 2;
    public static final short NLMSG_DONE = 3;
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_DUMP = 0x300;
    /** Flags of a "new" request (RTM_NEW*). */
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    private static final int NLM_F_ACK_TLVS = 0x200;
    private static final int NLMSGERR_ATTR_MSG = 1;

    private static final int NETLINK_ROUTE = 0;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NETLINK_EXT_ACK = 11;
    /** Above the kernel's largest dump datagram (32 KiB), so a reply is never truncated. */
    private static final int RECEIVE_BUFFER = 64 * 1024;
    /** A request the kernel never answers fails instead of blocking its thread forever. */
    private static final long RECEIVE_TIMEOUT_SECONDS = 10;

    /** Receives each reply message of a request or dump, valid only during the call. */
    @FunctionalInterface
    public interface MessageHandler {
        /** {@code message} starts at its nlmsghdr and ends with its last attribute. */
        void onMessage(MemorySegment message);
    }

    private final Arena arena = Arena.ofShared();
    private final MemorySegment buffer;
    private final int fd;
    private int sequence = (int) (System.nanoTime() & 0x3fff_ffff);
    private long datagramsReceived;
    private boolean closed;

    private NetlinkSocket(int fd) {
        this.fd = fd;
        this.buffer = arena.allocate(RECEIVE_BUFFER, 8);
    }

    /** Opens a NETLINK_ROUTE socket in the calling thread's network namespace. */
    public static NetlinkSocket open(String doing) {
        int fd = LibC.socket(LibC.AF_NETLINK, LibC.SOCK_RAW, NETLINK_ROUTE, "socket(AF_NETLINK)", doing);
        try (Arena local = Arena.ofConfined()) {
            MemorySegment address = local.allocate(12, 4); // sockaddr_nl: family u16, pad u16, pid u32 (0: the kernel picks), groups u32
            address.set(JAVA_SHORT, 0, (short) LibC.AF_NETLINK);
            LibC.bind(fd, address, "bind(AF_NETLINK)", doing);
            MemorySegment timeout = local.allocate(16, 8); // struct timeval: seconds i64, microseconds i64
            timeout.set(JAVA_LONG, 0, RECEIVE_TIMEOUT_SECONDS);
            LibC.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, timeout, "setsockopt(SO_RCVTIMEO)", doing);
            // Error replies quote only the request's header and carry the kernel's own explanation.
            LibC.setsockoptInt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1, "setsockopt(NETLINK_CAP_ACK)", doing);
            LibC.setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1, "setsockopt(NETLINK_EXT_ACK)", doing);
        } catch (RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
        return new NetlinkSocket(fd);
    }

    /**
     * Sends {@code request} (flags NLM_F_REQUEST and, if wanted, NLM_F_ACK already set; the sequence
     * number is set here) and hands every reply message to {@code handler} until the exchange ends:
     * with the acknowledgement when the request asked for one, else with the one reply.
     *
     * @return 0, or the errno of the kernel's error reply (nothing thrown for it: callers decide
     *         which errors are answers, e.g. ENOENT for "no such entry")
     */
    public int request(MemorySegment request, MessageHandler handler, String call, String doing) {
        return exchange(request, handler, call, doing, false);
    }

    /** As {@link #request}, throwing a {@link NativeException} for an error reply. */
    public void requestOrThrow(MemorySegment request, MessageHandler handler, String call, String doing) {
        exchange(request, handler, call, doing, true);
    }

    /**
     * Sends {@code request} with NLM_F_DUMP added and hands every message of every reply datagram
     * to {@code handler} until NLMSG_DONE. Throws for an error reply or a failed dump.
     *
     * @return false when the kernel flagged the dump as interrupted (the table changed meanwhile; the
     *         messages seen may be inconsistent and the caller should dump again), else true
     */
    public boolean dump(MemorySegment request, MessageHandler handler, String call, String doing) {
        request.set(JAVA_SHORT, 6, (short) (request.get(JAVA_SHORT, 6) | NLM_F_REQUEST | NLM_F_DUMP));
        return exchange(request, handler, call, doing, true) != NLM_F_DUMP_INTR;
    }

    /** Datagrams received since the socket opened (a dump of a big table takes several). */
    public long datagramsReceived() {
        return datagramsReceived;
    }

    /**
     * The exchange loop. Messages of other sequence numbers (late replies to an earlier request that
     * failed part way) are skipped. Returns the errno of an error reply (when not thrown), or
     * NLM_F_DUMP_INTR when a dump was interrupted, or 0.
     */
    private int exchange(MemorySegment request, MessageHandler handler, String call, String doing, boolean throwOnError) {
        if (closed) {
            throw new IllegalStateException("netlink socket closed (" + doing + ")");
        }
        int seq = ++sequence & 0x7fff_ffff;
        request.set(JAVA_INT, 0, (int) request.byteSize());
        request.set(JAVA_INT, 8, seq);
        request.set(JAVA_INT, 12, 0);
        int requestFlags = Short.toUnsignedInt(request.get(JAVA_SHORT, 6));
        boolean isDump = (requestFlags & NLM_F_DUMP) == NLM_F_DUMP;
        boolean wantsAck = (requestFlags & NLM_F_ACK) != 0;
        LibC.send(fd, request, request.byteSize(), call, doing);
        int interrupted = 0;
        while (true) {
            long n = LibC.receive(fd, buffer, call, doing);
            datagramsReceived++;
            if (n >= buffer.byteSize()) {
                throw new IllegalStateException("netlink reply to " + call + " larger than " + buffer.byteSize() + " bytes");
            }
            long off = 0;
            while (off + NLMSG_HDR <= n) {
                int length = buffer.get(JAVA_INT, off);
                int type = Short.toUnsignedInt(buffer.get(JAVA_SHORT, off + 4));
                int flags = Short.toUnsignedInt(buffer.get(JAVA_SHORT, off + 6));
                if (length < NLMSG_HDR || off + length > n) {
                    throw new IllegalStateException("malformed netlink reply to " + call + " (message length " + length + ")");
                }
                if (buffer.get(JAVA_INT, off + 8) == seq) {
                    MemorySegment message = buffer.asSlice(off, length);
                    if ((flags & NLM_F_DUMP_INTR) != 0) {
                        interrupted = NLM_F_DUMP_INTR;
                    }
                    if (type == NLMSG_ERROR || type == NLMSG_DONE) {
                        int errno = length >= NLMSG_HDR + 4 ? -message.get(JAVA_INT, NLMSG_HDR) : 0;
                        if (errno != 0) {
                            if (throwOnError) {
                                String detail = type == NLMSG_ERROR ? kernelExplanation(message, flags) : "";
                                throw new NativeException(call, errno, detail.isEmpty() ? doing : doing + " (kernel: " + detail + ")",
                                        Remedies.of(call, errno));
                            }
                            return errno;
                        }
                        if (type == NLMSG_DONE || !isDump) {
                            return interrupted;
                        }
                    } else {
                        handler.onMessage(message);
                        if (!isDump && !wantsAck && (flags & NLM_F_MULTI) == 0) {
                            return 0;
                        }
                    }
                }
                off += align4(length);
            }
        }
    }

    /** NLMSGERR_ATTR_MSG of an extended error reply, or "". */
    private static String kernelExplanation(MemorySegment error, int flags) {
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return "";
        }
        // error i32, then the request's header (capped: header only), then attributes
        long a = NLMSG_HDR + 4 + NLMSG_HDR;
        long end = error.byteSize();
        while (a + 4 <= end) {
            int length = Short.toUnsignedInt(error.get(JAVA_SHORT, a));
            int type = error.get(JAVA_SHORT, a + 2) & NetlinkAttributes.TYPE_MASK;
            if (length < 4 || a + length > end) {
                break;
            }
            if (type == NLMSGERR_ATTR_MSG) {
                byte[] text = error.asSlice(a + 4, length - 4).toArray(JAVA_BYTE);
                int len = 0;
                while (len < text.length && text[len] != 0) {
                    len++;
                }
                return new String(text, 0, len, StandardCharsets.UTF_8);
            }
            a += align4(length);
        }
        return "";
    }

    static long align4(long n) {
        return (n + 3) & ~3L;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            LibC.close(fd);
            arena.close();
        }
    }
}
