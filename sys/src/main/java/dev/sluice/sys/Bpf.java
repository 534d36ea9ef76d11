package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

import static dev.sluice.sys.BpfAttrDescriptor.*;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** The bpf(2) commands Sluice uses: maps, program load, test run, XDP bpf_link. Setup path only. */
public final class Bpf {
    /** Verifier log buffer; grown once when the kernel answers ENOSPC. */
    private static final int LOG_SIZE = 1 << 20;

    private Bpf() {
    }

    private static long call(int cmd, MemorySegment attr) {
        return LibC.syscall(LibC.setupErrnoState(), LibC.SYS_BPF, cmd, attr.address(), SIZE);
    }

    private static int errno() {
        return LibC.errno(LibC.setupErrnoState());
    }

    private static NativeException failure(String call, String doing) {
        int errno = errno();
        return new NativeException(call, errno, doing, Remedies.of(call, errno));
    }

    private static void putName(MemorySegment attr, long offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        int n = Math.min(b.length, OBJ_NAME_LEN - 1);
        MemorySegment.copy(b, 0, attr, JAVA_BYTE, offset, n);
    }

    /** Creates a map; returns its fd. */
    public static int mapCreate(int type, int keySize, int valueSize, int maxEntries, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, MAP_TYPE_OFFSET, type);
            attr.set(JAVA_INT, KEY_SIZE_OFFSET, keySize);
            attr.set(JAVA_INT, VALUE_SIZE_OFFSET, valueSize);
            attr.set(JAVA_INT, MAX_ENTRIES_OFFSET, maxEntries);
            putName(attr, MAP_NAME_OFFSET, name);
            long fd = call(CMD_MAP_CREATE, attr);
            if (fd < 0) {
                throw failure("bpf BPF_MAP_CREATE", "creating BPF map '" + name + "'");
            }
            return (int) fd;
        }
    }

    public static void mapUpdate(int mapFd, MemorySegment key, MemorySegment value, long flags, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, ELEM_MAP_FD_OFFSET, mapFd);
            attr.set(JAVA_LONG, ELEM_KEY_OFFSET, key.address());
            attr.set(JAVA_LONG, ELEM_VALUE_OFFSET, value.address());
            attr.set(JAVA_LONG, ELEM_FLAGS_OFFSET, flags);
            if (call(CMD_MAP_UPDATE_ELEM, attr) < 0) {
                throw failure("bpf BPF_MAP_UPDATE_ELEM", doing);
            }
        }
    }

    /** Returns true when the key was present and is now deleted. */
    public static boolean mapDelete(int mapFd, MemorySegment key, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, ELEM_MAP_FD_OFFSET, mapFd);
            attr.set(JAVA_LONG, ELEM_KEY_OFFSET, key.address());
            if (call(CMD_MAP_DELETE_ELEM, attr) < 0) {
                if (errno() == Errno.ENOENT) {
                    return false;
                }
                throw failure("bpf BPF_MAP_DELETE_ELEM", doing);
            }
            return true;
        }
    }

    /** Reads the value of {@code key} into {@code value}; false when absent. */
    public static boolean mapLookup(int mapFd, MemorySegment key, MemorySegment value, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, ELEM_MAP_FD_OFFSET, mapFd);
            attr.set(JAVA_LONG, ELEM_KEY_OFFSET, key.address());
            attr.set(JAVA_LONG, ELEM_VALUE_OFFSET, value.address());
            if (call(CMD_MAP_LOOKUP_ELEM, attr) < 0) {
                if (errno() == Errno.ENOENT) {
                    return false;
                }
                throw failure("bpf BPF_MAP_LOOKUP_ELEM", doing);
            }
            return true;
        }
    }

    /**
     * Loads a program; returns its fd. {@code insns} is the bytecode (8 bytes per instruction).
     * A rejection carries the verifier's log in the exception message.
     */
    public static int progLoad(int progType, byte[] insns, String license, String name, int progFlags) {
        if (insns.length == 0 || insns.length % 8 != 0) {
            throw new IllegalArgumentException("bytecode length " + insns.length + " is not a positive multiple of 8");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(insns.length, 8);
            MemorySegment.copy(insns, 0, code, JAVA_BYTE, 0, insns.length);
            MemorySegment lic = arena.allocateFrom(license);
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, PROG_TYPE_OFFSET, progType);
            attr.set(JAVA_INT, INSN_CNT_OFFSET, insns.length / 8);
            attr.set(JAVA_LONG, INSNS_OFFSET, code.address());
            attr.set(JAVA_LONG, LICENSE_OFFSET, lic.address());
            attr.set(JAVA_INT, PROG_FLAGS_OFFSET, progFlags);
            putName(attr, PROG_NAME_OFFSET, name);
            long fd = call(CMD_PROG_LOAD, attr);
            if (fd >= 0) {
                return (int) fd;
            }
            int firstErrno = errno();
            if (firstErrno != Errno.EACCES && firstErrno != Errno.EINVAL) {
                throw failure("bpf BPF_PROG_LOAD", "creating the XDP program '" + name + "'");
            }
            // Load again with the verifier log on, to tell the user why.
            MemorySegment log = arena.allocate(LOG_SIZE);
            attr.set(JAVA_INT, LOG_LEVEL_OFFSET, 1);
            attr.set(JAVA_INT, LOG_SIZE_OFFSET, LOG_SIZE);
            attr.set(JAVA_LONG, LOG_BUF_OFFSET, log.address());
            fd = call(CMD_PROG_LOAD, attr);
            if (fd >= 0) {
                return (int) fd;
            }
            int errno = errno();
            String verifierLog = log.getString(0).strip();
            throw new NativeException("bpf BPF_PROG_LOAD", errno,
                    "creating the XDP program '" + name + "'",
                    (verifierLog.isEmpty() ? "" : "the verifier said:\n" + verifierLog + "\n") + Remedies.of("bpf BPF_PROG_LOAD", errno));
        }
    }

    /** Attaches an XDP program to an interface with a bpf_link; returns the link fd (closing it detaches). */
    public static int linkCreateXdp(int progFd, int ifindex, int xdpFlags, String ifname) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, LINK_PROG_FD_OFFSET, progFd);
            attr.set(JAVA_INT, LINK_TARGET_IFINDEX_OFFSET, ifindex);
            attr.set(JAVA_INT, LINK_ATTACH_TYPE_OFFSET, ATTACH_TYPE_XDP);
            attr.set(JAVA_INT, LINK_FLAGS_OFFSET, xdpFlags);
            long fd = call(CMD_LINK_CREATE, attr);
            if (fd < 0) {
                throw failure("bpf BPF_LINK_CREATE", "attaching the XDP program to " + ifname);
            }
            return (int) fd;
        }
    }

    /** Result of {@link #progTestRun}: the program's return value and the possibly rewritten packet. */
    public record TestRun(int retval, byte[] dataOut) {
    }

    /** Runs a program once on {@code packet} in the kernel (BPF_PROG_TEST_RUN), without a device. */
    public static TestRun progTestRun(int progFd, byte[] packet) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(Math.max(packet.length, 1));
            MemorySegment.copy(packet, 0, in, JAVA_BYTE, 0, packet.length);
            MemorySegment out = arena.allocate(packet.length + 512L);
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, TEST_PROG_FD_OFFSET, progFd);
            attr.set(JAVA_INT, TEST_DATA_SIZE_IN_OFFSET, packet.length);
            attr.set(JAVA_INT, TEST_DATA_SIZE_OUT_OFFSET, (int) out.byteSize());
            attr.set(JAVA_LONG, TEST_DATA_IN_OFFSET, in.address());
            attr.set(JAVA_LONG, TEST_DATA_OUT_OFFSET, out.address());
            attr.set(JAVA_INT, TEST_REPEAT_OFFSET, 1);
            if (call(CMD_PROG_TEST_RUN, attr) < 0) {
                throw failure("bpf BPF_PROG_TEST_RUN", "test-running a BPF program");
            }
            int outLen = attr.get(JAVA_INT, TEST_DATA_SIZE_OUT_OFFSET);
            byte[] data = out.asSlice(0, Math.min(outLen, out.byteSize())).toArray(JAVA_BYTE);
            return new TestRun(attr.get(JAVA_INT, TEST_RETVAL_OFFSET), data);
        }
    }

    /** The kernel id of the program behind {@code progFd} (bpf_prog_info.id). */
    public static int progId(int progFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(256, 8); // bpf_prog_info: type u32@0, id u32@4, ...
            MemorySegment attr = arena.allocate(SIZE, 8);
            attr.set(JAVA_INT, INFO_BPF_FD_OFFSET, progFd);
            attr.set(JAVA_INT, INFO_LEN_OFFSET, (int) info.byteSize());
            attr.set(JAVA_LONG, INFO_PTR_OFFSET, info.address());
            if (call(CMD_OBJ_GET_INFO_BY_FD, attr) < 0) {
                throw failure("bpf BPF_OBJ_GET_INFO_BY_FD", "reading the program id");
            }
            return info.get(JAVA_INT, 4);
        }
    }
}
