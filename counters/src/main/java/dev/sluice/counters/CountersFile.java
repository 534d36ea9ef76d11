package dev.sluice.counters;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.sys.LibC;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static dev.sluice.counters.CountersDescriptor.*;

/**
 * The counters of one running instance in a shared-memory file that {@code sluice stat} (or any
 * {@link CountersReader}) maps from another process, as AeronStat reads Aeron's cnc file. The
 * instance creates it at start, hands it to its ports and workers as their {@link CounterAllocator},
 * calls {@link #heartbeat()} about once a second, and {@link #close() closes} it at exit, which
 * removes the file. Layout: {@link CountersDescriptor}.
 *
 * <pre>{@code
 * try (CountersFile counters = CountersFile.create("fwd-eth0")) {
 *     AfXdpInterface eth0 = AfXdpInterface.open("eth0", 0, umem, AfXdpOptions.defaults().withCounters(counters));
 *     ...
 * }
 * }</pre>
 *
 * <p>The file is mapped with {@code mmap} through {@link LibC} (not {@code FileChannel.map}), so
 * the values are plain native segments like every other segment of the data path: the counter
 * VarHandle call sites keep seeing one segment class. The mapping belongs to a shared arena:
 * a thread still reading it after {@link #close()} gets an exception, never a crash.
 */
public final class CountersFile implements CounterAllocator, AutoCloseable {
    public static final int DEFAULT_CAPACITY = 1024;

    private final Path path;
    private final String instanceName;
    private final int capacity;
    private final Arena arena;
    private final MemorySegment file;
    private final long valuesEnd;
    private int allocated;
    private long nextValue;
    private boolean closed;

    private CountersFile(Path path, String instanceName, int capacity, Arena arena, MemorySegment file) {
        this.path = path;
        this.instanceName = instanceName;
        this.capacity = capacity;
        this.arena = arena;
        this.file = file;
        this.nextValue = valuesOffset(capacity);
        this.valuesEnd = fileLength(capacity);
    }

    /** Creates {@code <run dir>/<pid>-<name>.counters} for this process (run dir: {@link CountersDirectory#resolve()}). */
    public static CountersFile create(String instanceName) {
        return create(CountersDirectory.resolve(), instanceName, defaultCommandLine(), DEFAULT_CAPACITY);
    }

    /**
     * Creates the counters file of this process in {@code dir} (created 0755 when missing).
     *
     * @param commandLine what to show as the instance's command line (e.g. "sluice fwd --iface eth0")
     * @param capacity    most counters it can hold
     */
    public static CountersFile create(Path dir, String instanceName, String commandLine, int capacity) {
        if (capacity < 1 || capacity > 1 << 20) {
            throw new IllegalArgumentException("capacity must be in 1..1048576, not " + capacity);
        }
        long pid = ProcessHandle.current().pid();
        Path path = CountersDirectory.fileFor(dir, pid, instanceName);
        long length = fileLength(capacity);
        try {
            CountersDirectory.createDirectory(dir);
            if (Files.exists(path)) {
                CountersDirectory.describe(path).filter(CountersDirectory.Instance::running).ifPresent(mine -> {
                    throw new IllegalStateException("this process already has a counters file for '" + instanceName + "': " + path);
                });
                Files.delete(path); // left by an earlier process that had our pid
            }
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
            try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
                f.setLength(length); // sparse and zeroed: records free, values 0
            }
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("counters file " + path + " appeared while creating it", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create counters file " + path + ": " + e.getMessage()
                    + " (set " + CountersDirectory.ENV + " to a writable directory)", e);
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file = map(path, length, true, arena);
            writeHeader(file, pid, instanceName, commandLine, capacity);
            return new CountersFile(path, instanceName, capacity, arena, file);
        } catch (RuntimeException e) {
            arena.close();
            try {
                Files.deleteIfExists(path);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Maps {@code length} bytes of {@code path} MAP_SHARED into {@code arena} (unmapped when it closes). */
    static MemorySegment map(Path path, long length, boolean writable, Arena arena) {
        String name = path.toString();
        int fd = writable ? LibC.openReadWrite(name, "opening the counters file")
                : LibC.openReadOnly(name, "opening a counters file");
        try {
            MemorySegment raw = LibC.mmap(length, writable ? LibC.PROT_READ | LibC.PROT_WRITE : LibC.PROT_READ,
                    LibC.MAP_SHARED, fd, 0, "mmap(" + name + ")", "mapping the counters file");
            MemorySegment mapped = raw.reinterpret(arena, LibC::munmap);
            return writable ? mapped : mapped.asReadOnly();
        } finally {
            LibC.close(fd); // the mapping keeps the file
        }
    }

    private static void writeHeader(MemorySegment file, long pid, String instanceName, String commandLine, int capacity) {
        file.set(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        file.set(ValueLayout.JAVA_INT, HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        file.set(ValueLayout.JAVA_LONG, PID_OFFSET, pid);
        long now = System.currentTimeMillis();
        file.set(ValueLayout.JAVA_LONG, START_TIME_OFFSET, now);
        file.set(ValueLayout.JAVA_LONG, HEARTBEAT_OFFSET, now);
        file.set(ValueLayout.JAVA_INT, CAPACITY_OFFSET, capacity);
        file.set(ValueLayout.JAVA_INT, METADATA_OFFSET_OFFSET, (int) metadataOffset());
        file.set(ValueLayout.JAVA_INT, VALUES_OFFSET_OFFSET, (int) valuesOffset(capacity));
        file.set(ValueLayout.JAVA_INT, VALUES_LENGTH_OFFSET, (int) valuesLength(capacity));
        putString(file, INSTANCE_NAME_OFFSET, INSTANCE_NAME_MAX, instanceName);
        putString(file, COMMAND_LINE_OFFSET, COMMAND_LINE_MAX, commandLine);
        // Release: a reader that sees the magic sees the whole header.
        LONG.setRelease(file, (long) MAGIC_OFFSET, MAGIC);
    }

    private static String defaultCommandLine() {
        return ProcessHandle.current().info().commandLine().orElse("java");
    }

    /**
     * Allocates a group of counters: contiguous, zeroed, starting on a 128-byte line of its own.
     * Setup time only (takes a lock); throws when the file is full.
     */
    @Override
    public synchronized MemorySegment allocate(String owner, String[] names, int typeId) {
        if (closed) {
            throw new IllegalStateException("counters file " + path + " is closed");
        }
        if (names.length == 0) {
            throw new IllegalArgumentException("no counter names for " + owner);
        }
        long first = align(nextValue);
        long end = first + (long) names.length * VALUE_LENGTH;
        if (allocated + names.length > capacity || end > valuesEnd) {
            throw new IllegalStateException("counters file " + path + " is full: " + allocated + " of " + capacity
                    + " counters allocated, " + names.length + " more asked for by '" + owner + "'");
        }
        for (int i = 0; i < names.length; i++) {
            int id = allocated + i;
            long record = recordOffset(id);
            file.set(ValueLayout.JAVA_INT, record + RECORD_TYPE_ID_OFFSET, typeId);
            file.set(ValueLayout.JAVA_LONG, record + RECORD_VALUE_OFFSET_OFFSET, first + (long) i * VALUE_LENGTH);
            putString(file, record + RECORD_OWNER_OFFSET, RECORD_OWNER_MAX, owner);
            putString(file, record + RECORD_NAME_OFFSET, RECORD_NAME_MAX, names[i]);
            // Release: a reader that sees the record allocated sees its type, owner, name and value slot.
            INT.setRelease(file, record + RECORD_STATE_OFFSET, STATE_ALLOCATED);
        }
        allocated += names.length;
        // Release: readers iterate up to this count; every record below it is complete.
        INT.setRelease(file, (long) ALLOCATED_OFFSET, allocated);
        nextValue = end;
        return file.asSlice(first, (long) names.length * VALUE_LENGTH);
    }

    private static long align(long offset) {
        return (offset + GROUP_ALIGNMENT - 1) & -GROUP_ALIGNMENT;
    }

    /** Tells readers the owner is alive; call about once a second (any single thread). */
    public void heartbeat() {
        heartbeat(System.currentTimeMillis());
    }

    /** As {@link #heartbeat()} with the time given (tests). */
    public synchronized void heartbeat(long epochMillis) {
        if (!closed) {
            // Opaque: a whole, recent value; the heartbeat publishes nothing else.
            LONG.setOpaque(file, (long) HEARTBEAT_OFFSET, epochMillis);
        }
    }

    /** A reader over this file's own mapping (no second mapping); valid until {@link #close()}. */
    public CountersReader reader() {
        return new CountersReader(path, file, null);
    }

    public Path path() {
        return path;
    }

    public String instanceName() {
        return instanceName;
    }

    public synchronized int allocated() {
        return allocated;
    }

    /**
     * Removes the file and unmaps it. Call when every writer has stopped; a thread that still
     * touches a counter afterwards gets an {@link IllegalStateException}. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            System.err.println("sluice: cannot remove counters file " + path + ": " + e.getMessage());
        } finally {
            arena.close();
        }
    }
}
