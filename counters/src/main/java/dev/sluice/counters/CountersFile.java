package dev.sluice.counters;

import dev.sluice.sys.LibC;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.BitSet;

import static dev.sluice.counters.CountersDescriptor.*;

/**
 * The counter groups of one running instance in a shared-memory file that {@code sluice stat} (or
 * any {@link CountersReader}) maps from another process, as AeronStat reads Aeron's cnc file and
 * Agrona's {@code CountersManager} allocates and frees counters in a buffer. The instance creates
 * it at start, hands it to its ports and workers as their {@link CounterAllocator}, calls
 * {@link #heartbeat()} about once a second, and {@link #close() closes} it at exit, which removes
 * the file. Groups freed ({@link CounterGroup#close()}) give their record and value lines back for
 * reuse: the file never grows. Layout and ordering: {@link CountersDescriptor}.
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
 * a thread still reading it through a segment after {@link #close()} gets an exception.
 */
public final class CountersFile implements CounterAllocator, AutoCloseable {
    /** Groups a file made by {@link #create(String)} holds. */
    public static final int DEFAULT_CAPACITY = 256;
    /** The most groups a file holds. */
    public static final int MAX_CAPACITY = 1 << 16;
    /** Value lines per group of capacity: room for groups of 32 counters on average. */
    static final int LINES_PER_GROUP = 2;

    private final Path path;
    private final String instanceName;
    private final int capacity;
    private final int valueLines;
    private final Arena arena;
    private final MemorySegment file;
    private final long valuesStart;
    /** Records in use (set) and value lines in use (set); the writer's own view, never in the file. */
    private final BitSet records = new BitSet();
    private final BitSet lines = new BitSet();
    private int recordLimit;
    private int allocated;
    private boolean closed;

    private CountersFile(Path path, String instanceName, int capacity, int valueLines, Arena arena, MemorySegment file) {
        this.path = path;
        this.instanceName = instanceName;
        this.capacity = capacity;
        this.valueLines = valueLines;
        this.arena = arena;
        this.file = file;
        this.valuesStart = valuesOffset(capacity);
    }

    /** Creates {@code <run dir>/<pid>-<name>.counters} for this process (run dir: {@link CountersDirectory#resolve()}). */
    public static CountersFile create(String instanceName) {
        return create(CountersDirectory.resolve(), instanceName, defaultCommandLine(), DEFAULT_CAPACITY);
    }

    /**
     * Creates the counters file of this process in {@code dir} (created 0700 when missing).
     *
     * @param commandLine what to show as the instance's command line (e.g. "sluice fwd --iface eth0")
     * @param capacity    most groups allocated at once; the file has room for as many groups of 32 counters
     */
    public static CountersFile create(Path dir, String instanceName, String commandLine, int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be in 1..65536 groups, not " + capacity);
        }
        int valueLines = capacity * LINES_PER_GROUP;
        long pid = ProcessHandle.current().pid();
        Path path = CountersDirectory.fileFor(dir, pid, instanceName);
        long length = fileLength(capacity, valueLines);
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
            throw new UncheckedIOException("cannot create the counters file " + path + ": " + CountersDirectory.reason(e)
                    + " (set " + CountersDirectory.ENV + " to a writable directory)", e);
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment file = map(path, length, true, arena);
            writeHeader(file, pid, instanceName, commandLine, capacity, valueLines);
            return new CountersFile(path, instanceName, capacity, valueLines, arena, file);
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

    private static void writeHeader(MemorySegment file, long pid, String instanceName, String commandLine, int capacity,
                                    int valueLines) {
        file.set(ValueLayout.JAVA_INT, LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
        file.set(ValueLayout.JAVA_INT, HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        file.set(ValueLayout.JAVA_LONG, PID_OFFSET, pid);
        long now = System.currentTimeMillis();
        file.set(ValueLayout.JAVA_LONG, START_TIME_OFFSET, now);
        file.set(ValueLayout.JAVA_LONG, HEARTBEAT_OFFSET, now);
        file.set(ValueLayout.JAVA_INT, CAPACITY_OFFSET, capacity);
        file.set(ValueLayout.JAVA_INT, METADATA_OFFSET_OFFSET, (int) metadataOffset());
        file.set(ValueLayout.JAVA_INT, VALUES_OFFSET_OFFSET, (int) valuesOffset(capacity));
        file.set(ValueLayout.JAVA_INT, VALUES_LENGTH_OFFSET, (int) valuesLength(valueLines));
        putString(file, INSTANCE_NAME_OFFSET, INSTANCE_NAME_MAX, instanceName);
        putString(file, COMMAND_LINE_OFFSET, COMMAND_LINE_MAX, commandLine);
        // Release: a reader that sees the magic sees the whole header.
        LONG.setRelease(file, (long) MAGIC_OFFSET, MAGIC);
    }

    private static String defaultCommandLine() {
        return ProcessHandle.current().info().commandLine().orElse("java");
    }

    /**
     * Allocates a group in the lowest free record, its values zeroed on the first run of free lines
     * that holds them. Setup time only (takes a lock); throws when the file has no room.
     */
    @Override
    public synchronized CounterGroup allocate(String kind, Labels labels, String[] names, CounterType[] types) {
        if (closed) {
            throw new IllegalStateException("counters file " + path + " is closed");
        }
        CounterGroup.check(kind, labels, names, types);
        byte[] strings = encodeStrings(kind, labels, names);
        int record = records.nextClearBit(0);
        int need = lines(names.length);
        int line = firstFreeRun(need);
        if (record >= capacity || line < 0) {
            throw new IllegalStateException("counters file " + path + " is full: " + allocated + " groups of at most "
                    + capacity + " allocated, " + lines.cardinality() + " of " + valueLines + " value lines used; "
                    + kind + " " + labels + " asks for " + names.length + " counters");
        }
        long gaugeMask = 0;
        for (int i = 0; i < types.length; i++) {
            gaugeMask |= types[i] == CounterType.GAUGE ? 1L << i : 0;
        }
        long valuesAt = valuesStart + (long) line * GROUP_ALIGNMENT;
        long at = recordOffset(record);
        long sequence = beginWrite(at);
        file.set(ValueLayout.JAVA_INT, at + RECORD_STATE_OFFSET, STATE_ALLOCATED);
        file.set(ValueLayout.JAVA_INT, at + RECORD_COUNT_OFFSET, names.length);
        file.set(ValueLayout.JAVA_LONG, at + RECORD_VALUES_OFFSET, valuesAt);
        file.set(ValueLayout.JAVA_LONG, at + RECORD_GAUGE_MASK_OFFSET, gaugeMask);
        file.set(ValueLayout.JAVA_INT, at + RECORD_LABEL_COUNT_OFFSET, labels.size());
        file.set(ValueLayout.JAVA_INT, at + RECORD_STRINGS_LENGTH_OFFSET, strings.length);
        MemorySegment.copy(strings, 0, file, ValueLayout.JAVA_BYTE, at + RECORD_STRINGS_OFFSET, strings.length);
        MemorySegment values = file.asSlice(valuesAt, (long) names.length * VALUE_LENGTH);
        values.fill((byte) 0); // a reused line holds an earlier group's values
        endWrite(at, sequence);
        records.set(record);
        lines.set(line, line + need);
        allocated++;
        if (record >= recordLimit) {
            recordLimit = record + 1;
            // Release: readers scan records below the limit; each is complete or has an odd sequence.
            INT.setRelease(file, (long) RECORD_LIMIT_OFFSET, recordLimit);
        }
        return new CounterGroup(record, kind, labels, names.clone(), types.clone(), values, this::free);
    }

    /** Frees a group's record and lines for reuse; its writer has stopped. */
    private synchronized void free(CounterGroup group) {
        if (closed) {
            return; // the whole file is gone
        }
        int record = group.id();
        long at = recordOffset(record);
        long sequence = beginWrite(at);
        file.set(ValueLayout.JAVA_INT, at + RECORD_STATE_OFFSET, STATE_FREE);
        endWrite(at, sequence);
        int line = (int) ((group.values().address() - file.address() - valuesStart) / GROUP_ALIGNMENT);
        lines.clear(line, line + lines(group.size()));
        records.clear(record);
        allocated--;
    }

    /** Makes the record's sequence odd: readers drop what they read of it from here until {@link #endWrite}. */
    private long beginWrite(long at) {
        long sequence = file.get(ValueLayout.JAVA_LONG, at + RECORD_SEQUENCE_OFFSET);
        LONG.setOpaque(file, at + RECORD_SEQUENCE_OFFSET, sequence + 1);
        // Store-store: no write of the record or its values becomes visible before the odd sequence.
        VarHandle.storeStoreFence();
        return sequence;
    }

    private void endWrite(long at, long sequence) {
        // Release: a reader that sees the new even sequence sees the whole record.
        LONG.setRelease(file, at + RECORD_SEQUENCE_OFFSET, sequence + 2);
    }

    private int firstFreeRun(int need) {
        int from = lines.nextClearBit(0);
        while (from + need <= valueLines) {
            int used = lines.nextSetBit(from);
            if (used < 0 || used >= from + need) {
                return from;
            }
            from = lines.nextClearBit(used);
        }
        return -1;
    }

    private static byte[] encodeStrings(String kind, Labels labels, String[] names) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        putShortString(out, kind);
        for (int i = 0; i < labels.size(); i++) {
            putShortString(out, labels.key(i));
            putShortString(out, labels.value(i));
        }
        for (String n : names) {
            putShortString(out, n);
        }
        if (out.size() > RECORD_STRINGS_MAX) {
            throw new IllegalArgumentException("the kind, labels and counter names of " + kind + " " + labels + " take "
                    + out.size() + " bytes; a group record holds " + RECORD_STRINGS_MAX);
        }
        return out.toByteArray();
    }

    private static void putShortString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        if (b.length > 0xFFFF) {
            throw new IllegalArgumentException("label value too long: " + b.length + " bytes");
        }
        out.write(b.length & 0xFF); // u16, little-endian
        out.write(b.length >>> 8);
        out.write(b, 0, b.length);
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

    /** Groups allocated and not freed. */
    public synchronized int allocated() {
        return allocated;
    }

    /** The file's size in bytes; fixed at creation. */
    public long length() {
        return file.byteSize();
    }

    /**
     * Removes the file and unmaps it. Call when every writer has stopped; a thread that still
     * touches a counter through its group's segment afterwards gets an {@link IllegalStateException}.
     * Idempotent.
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
            System.err.println("sluice: cannot remove counters file " + path + ": " + CountersDirectory.reason(e));
        } finally {
            arena.close();
        }
    }
}
