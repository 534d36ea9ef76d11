package dev.sluice.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The only place in Sluice that creates downcall handles into libc. Every handle captures errno.
 *
 * <p>Two kinds of entry points:
 * <ul>
 *   <li>setup calls ({@link #socket}, {@link #setsockopt}, {@link #mmap}, ...) check the result and
 *       throw {@link NativeException} naming the call, the errno and a remedy;</li>
 *   <li>data-path calls ({@link #kickTx}, {@link #kickRx}, {@link #poll}) return the raw result and
 *       take a caller-owned errno segment ({@link #newErrnoState}), so that they allocate nothing and
 *       never throw; read {@link #errno} only after a failed call.</li>
 * </ul>
 */
public final class LibC {
    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int AF_NETLINK = 16;
    public static final int AF_PACKET = 17;
    public static final int AF_XDP = 44;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_CLOEXEC = 0x80000;
    public static final int MSG_DONTWAIT = 0x40;
    public static final short POLLIN = 0x1;
    public static final short POLLOUT = 0x4;
    public static final int PROT_READ = 0x1;
    public static final int PROT_WRITE = 0x2;
    public static final int MAP_SHARED = 0x01;
    public static final int MAP_PRIVATE = 0x02;
    public static final int MAP_ANONYMOUS = 0x20;
    public static final int MAP_POPULATE = 0x8000;
    public static final int MAP_HUGETLB = 0x40000;
    /** madvise(2) advice: back the range with transparent huge pages where the kernel can. */
    public static final int MADV_HUGEPAGE = 14;
    public static final int RLIMIT_MEMLOCK = 8;
    public static final long SYS_BPF = 321;
    public static final long SYS_GETTID = 186;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** Short, non-blocking calls on the data path: no thread-state transition (benchmarks/README.md, "Native boundary"). */
    private static final Linker.Option CRITICAL = Linker.Option.critical(false);

    private static final MethodHandle SOCKET = downcall("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle BIND = downcall("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = downcall("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = downcall("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle MMAP = downcall("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUNMAP = downcall("munmap", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    private static final MethodHandle MADVISE = downcall("madvise", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle POLL = downcall("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SENDTO = downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SENDTO_CRITICAL = downcall("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT), CRITICAL);
    private static final MethodHandle RECVFROM = downcall("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle RECVFROM_CRITICAL = downcall("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), CRITICAL);
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = downcall("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SCHED_SETAFFINITY = downcall("sched_setaffinity",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
    private static final MethodHandle OPEN = downcall("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle SETNS = downcall("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle GETRLIMIT = downcall("getrlimit", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    /** syscall(2) is variadic: every argument after the number is passed as a long. */
    private static final MethodHandle SYSCALL3 = downcall("syscall",
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1));

    private static final ThreadLocal<MemorySegment> SETUP_ERRNO = ThreadLocal.withInitial(() -> newErrnoState(Arena.global()));

    private LibC() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        MemorySegment symbol = LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /** A segment that receives errno from the data-path calls; one per thread that makes them. */
    public static MemorySegment newErrnoState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    /** errno as captured by the last failed call that used {@code state}. */
    public static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static MemorySegment setupErrno() {
        return SETUP_ERRNO.get();
    }

    private static NativeException failure(String call, String doing) {
        int errno = errno(setupErrno());
        return new NativeException(call, errno, doing, Remedies.of(call, errno));
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    // ---------------------------------------------------------------- setup calls (throw)

    /** socket(2); {@code call} names it in messages, e.g. "socket(AF_XDP)". */
    public static int socket(int domain, int type, int protocol, String call, String doing) {
        int fd;
        try {
            fd = (int) SOCKET.invokeExact(setupErrno(), domain, type | SOCK_CLOEXEC, protocol);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (fd < 0) {
            throw failure(call, doing);
        }
        return fd;
    }

    public static void bind(int fd, MemorySegment addr, String call, String doing) {
        int rc;
        try {
            rc = (int) BIND.invokeExact(setupErrno(), fd, addr, (int) addr.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (rc < 0) {
            throw failure(call, doing);
        }
    }

    /** setsockopt(2) with the whole of {@code value} as optval; its size is the option length. */
    public static void setsockopt(int fd, int level, int name, MemorySegment value, String call, String doing) {
        int rc;
        try {
            rc = (int) SETSOCKOPT.invokeExact(setupErrno(), fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (rc < 0) {
            throw failure(call, doing);
        }
    }

    public static void setsockoptInt(int fd, int level, int name, int value, String call, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            setsockopt(fd, level, name, v, call, doing);
        }
    }

    /**
     * getsockopt(2) into the whole of {@code value}; returns the length the kernel wrote. Callers
     * check it: several XDP options "succeed" with an older, shorter layout.
     */
    public static int getsockopt(int fd, int level, int name, MemorySegment value, String call, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, (int) value.byteSize());
            int rc;
            try {
                rc = (int) GETSOCKOPT.invokeExact(setupErrno(), fd, level, name, value, len);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            if (rc < 0) {
                throw failure(call, doing);
            }
            return len.get(JAVA_INT, 0);
        }
    }

    /** mmap(2); returns a segment of {@code length} bytes (the raw result is zero-length). */
    public static MemorySegment mmap(long length, int prot, int flags, int fd, long offset, String call, String doing) {
        MemorySegment p;
        try {
            p = (MemorySegment) MMAP.invokeExact(setupErrno(), MemorySegment.NULL, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (p.address() == -1L || p.address() == 0L) {
            throw failure(call, doing);
        }
        return p.reinterpret(length);
    }

    public static void munmap(MemorySegment region) {
        int rc;
        try {
            rc = (int) MUNMAP.invokeExact(setupErrno(), region, region.byteSize());
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (rc < 0) {
            throw failure("munmap", "unmapping memory");
        }
    }

    /**
     * madvise(2) over {@code region}; returns false (errno left unread) when the kernel refuses the
     * advice, e.g. MADV_HUGEPAGE where transparent huge pages are disabled: advice is optional.
     */
    public static boolean madvise(MemorySegment region, int advice) {
        try {
            return (int) MADVISE.invokeExact(setupErrno(), region, region.byteSize(), advice) == 0;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** close(2); failures are ignored because there is nothing a caller could do about them. */
    public static void close(int fd) {
        if (fd < 0) {
            return;
        }
        try {
            int ignored = (int) CLOSE.invokeExact(setupErrno(), fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** if_nametoindex(3); 0 when there is no such interface. */
    public static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) IF_NAMETOINDEX.invokeExact(setupErrno(), arena.allocateFrom(name));
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Pins the calling thread (not the process) to {@code cpu}. */
    public static void pinCurrentThread(int cpu) {
        if (cpu < 0 || cpu >= 1024) {
            throw new IllegalArgumentException("cpu " + cpu + " out of range 0..1023");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(128);
            mask.set(ValueLayout.JAVA_LONG, (cpu / 64) * 8L, 1L << (cpu % 64));
            int rc = (int) SCHED_SETAFFINITY.invokeExact(setupErrno(), 0, 128L, mask);
            if (rc < 0) {
                throw failure("sched_setaffinity", "pinning the thread to CPU " + cpu);
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_CLOEXEC = 0x80000;
    public static final int CLONE_NEWNET = 0x40000000;

    /** open(2) read-only; returns the fd. */
    public static int openReadOnly(String path, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(setupErrno(), arena.allocateFrom(path), O_RDONLY | O_CLOEXEC);
            if (fd < 0) {
                throw failure("open(" + path + ")", doing);
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** open(2) read-write of an existing file (e.g. to mmap it MAP_SHARED); returns the fd. */
    public static int openReadWrite(String path, String doing) {
        try (Arena arena = Arena.ofConfined()) {
            int fd = (int) OPEN.invokeExact(setupErrno(), arena.allocateFrom(path), O_RDWR | O_CLOEXEC);
            if (fd < 0) {
                throw failure("open(" + path + ")", doing);
            }
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** setns(2): moves the calling thread (only) into the namespace behind {@code fd}. */
    public static void setns(int fd, int nstype, String doing) {
        try {
            int rc = (int) SETNS.invokeExact(setupErrno(), fd, nstype);
            if (rc < 0) {
                throw failure("setns", doing);
            }
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /**
     * Sets the CPUs thread {@code tid} (a kernel thread id, e.g. from /proc/self/task) may run on.
     * Returns false when the thread is gone or refuses (ESRCH, EINVAL), true otherwise.
     */
    public static boolean setThreadAffinity(int tid, int[] cpus) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment mask = arena.allocate(128);
            for (int cpu : cpus) {
                if (cpu < 0 || cpu >= 1024) {
                    throw new IllegalArgumentException("cpu " + cpu + " out of range 0..1023");
                }
                long at = (cpu / 64) * 8L;
                mask.set(ValueLayout.JAVA_LONG, at, mask.get(ValueLayout.JAVA_LONG, at) | (1L << (cpu % 64)));
            }
            return (int) SCHED_SETAFFINITY.invokeExact(setupErrno(), tid, 128L, mask) == 0;
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** The soft RLIMIT_MEMLOCK in bytes (Long.MAX_VALUE when unlimited). */
    public static long memlockLimit() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rl = arena.allocate(16);
            int rc = (int) GETRLIMIT.invokeExact(setupErrno(), RLIMIT_MEMLOCK, rl);
            if (rc < 0) {
                throw failure("getrlimit(RLIMIT_MEMLOCK)", "reading the locked-memory limit");
            }
            long soft = rl.get(ValueLayout.JAVA_LONG, 0);
            return soft == -1L ? Long.MAX_VALUE : soft;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** syscall(number, a, b, c); returns the raw result, -1 with errno in {@code state} on failure. */
    public static long syscall(MemorySegment state, long number, long a, long b, long c) {
        try {
            return (long) SYSCALL3.invokeExact(state, number, a, b, c);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** Thread id of the caller (for messages and tests). */
    public static long gettid() {
        return syscall(setupErrno(), SYS_GETTID, 0, 0, 0);
    }

    /** A segment usable as the errno state of setup-time callers of {@link #syscall}. */
    public static MemorySegment setupErrnoState() {
        return setupErrno();
    }

    /** sendto(2) on a setup path (netlink); returns bytes sent or throws. */
    public static long send(int fd, MemorySegment buf, long len, String call, String doing) {
        long rc;
        try {
            rc = (long) SENDTO.invokeExact(setupErrno(), fd, buf, len, 0, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (rc < 0) {
            throw failure(call, doing);
        }
        return rc;
    }

    /** Blocking recvfrom(2) on a setup path (netlink); returns bytes received or throws. */
    public static long receive(int fd, MemorySegment buf, String call, String doing) {
        long rc;
        try {
            rc = (long) RECVFROM.invokeExact(setupErrno(), fd, buf, buf.byteSize(), 0, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        if (rc < 0) {
            throw failure(call, doing);
        }
        return rc;
    }

    // ---------------------------------------------------------------- data-path calls (never throw)

    /**
     * {@code sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0)}: asks the kernel to process an AF_XDP TX
     * ring. Returns the raw result; on -1 the errno is in {@code errnoState}.
     */
    public static long kickTx(int fd, MemorySegment errnoState) {
        try {
            return (long) SENDTO_CRITICAL.invokeExact(errnoState, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL, 0);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL)}: wakes the kernel to refill RX. */
    public static long kickRx(int fd, MemorySegment errnoState) {
        try {
            return (long) RECVFROM_CRITICAL.invokeExact(errnoState, fd, MemorySegment.NULL, 0L, MSG_DONTWAIT, MemorySegment.NULL, MemorySegment.NULL);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** poll(2) on {@code nfds} pollfd structs (8 bytes each: fd i32, events i16, revents i16). */
    public static int poll(MemorySegment pollfds, long nfds, int timeoutMillis, MemorySegment errnoState) {
        try {
            return (int) POLL.invokeExact(errnoState, pollfds, nfds, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }
}
