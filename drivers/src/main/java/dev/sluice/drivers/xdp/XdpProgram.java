package dev.sluice.drivers.xdp;

import dev.sluice.sys.Bpf;
import dev.sluice.sys.Errno;
import dev.sluice.sys.LibC;
import dev.sluice.sys.NativeException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * A loaded XDP program and the maps it owns: the XSKMAP (RX queue → AF_XDP socket) and, for a
 * steering program, the rule map and the verdict counters. Create with {@link XdpPrograms};
 * attach with {@link XdpAttachment}. {@link #close()} releases the program fd and the map fds; a
 * program still attached stays alive in the kernel (the attachment holds its own reference, and
 * the program holds its maps) until it is detached.
 *
 * <p>Control-plane object: the methods are synchronized and allocate; none belongs on a data path.
 */
public final class XdpProgram implements AutoCloseable {
    /** BPF_MAP_UPDATE_ELEM flags. */
    private static final long BPF_ANY = 0;
    private static final int NO_FD = -1;

    private final String name;
    private final int queueSlots;
    private final int maxRules;
    private final boolean steering;
    private final Set<SteeringRule> rules = new LinkedHashSet<>();
    /** The rule map's entries as written: key to flags. */
    private final Map<SteeringKeyDescriptor.Key, Integer> entries = new HashMap<>();
    private int progFd;
    private int xskMapFd;
    private int rulesMapFd;
    private int countersMapFd;
    private int id;
    private boolean closed;

    /** Takes ownership of the fds; {@code rulesMapFd}/{@code countersMapFd} may be -1. */
    XdpProgram(String name, int progFd, int xskMapFd, int queueSlots, int rulesMapFd, int maxRules, int countersMapFd) {
        this.name = name;
        this.progFd = progFd;
        this.xskMapFd = xskMapFd;
        this.queueSlots = queueSlots;
        this.rulesMapFd = rulesMapFd;
        this.maxRules = maxRules;
        this.countersMapFd = countersMapFd;
        this.steering = rulesMapFd != NO_FD;
    }

    public String name() {
        return name;
    }

    /** The program fd, for attaching; valid until {@link #close()}. */
    public synchronized int fd() {
        ensureOpen();
        return progFd;
    }

    /** The kernel's id of the program, as {@code ip link} and {@code bpftool prog} show it. */
    public synchronized int id() {
        ensureOpen();
        if (id == 0) {
            id = Bpf.progId(progFd);
        }
        return id;
    }

    /** Number of XSKMAP slots: queues 0..queueSlots-1 can have a socket. */
    public int queueSlots() {
        return queueSlots;
    }

    /** True for a steering program (rules, counters); false for redirect-all. */
    public boolean steers() {
        return steering;
    }

    // ------------------------------------------------------------------ XSKMAP

    /**
     * Puts the AF_XDP socket {@code xskFd} in the slot of RX queue {@code queue}: from now on the
     * program redirects that queue's (matching) frames to it. The map holds its own reference to
     * the socket, so closing the fd alone does not empty the slot.
     *
     * <p>Register a socket only after binding it to this very interface and queue. The kernel
     * cannot be asked what a socket is bound to, and Linux 6.18 accepts even an unbound AF_XDP
     * socket here; frames redirected to a socket that is unbound or bound elsewhere are dropped
     * by the kernel, not passed.
     */
    public synchronized void registerSocket(int queue, int xskFd) {
        ensureOpen();
        checkQueue(queue);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment value = arena.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, queue);
            value.set(JAVA_INT, 0, xskFd);
            String doing = "registering socket fd " + xskFd + " for queue " + queue + " in the XSKMAP of " + name;
            try {
                Bpf.mapUpdate(xskMapFd, key, value, BPF_ANY, doing);
            } catch (NativeException e) {
                if (e.errno() == Errno.EOPNOTSUPP || e.errno() == Errno.ENOTSOCK || e.errno() == Errno.EBADF) {
                    throw new NativeException(e.call(), e.errno(), doing,
                            "the fd is not an AF_XDP socket with UMEM, rings and bind done: register it after bind");
                }
                throw e;
            }
        }
    }

    /**
     * Empties the slot of {@code queue}: its frames go to the kernel again. Emptying an empty slot
     * is not an error (the kernel does not say whether the slot held a socket).
     */
    public synchronized void unregisterSocket(int queue) {
        ensureOpen();
        checkQueue(queue);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            key.set(JAVA_INT, 0, queue);
            Bpf.mapDelete(xskMapFd, key, "removing queue " + queue + " from the XSKMAP of " + name);
        }
    }

    private void checkQueue(int queue) {
        if (queue < 0 || queue >= queueSlots) {
            throw new IllegalArgumentException("queue " + queue + " is outside the " + queueSlots
                    + " queue slot(s) of program " + name + " (0.." + (queueSlots - 1)
                    + "): create the program with more queue slots");
        }
    }

    // ------------------------------------------------------------------ steering rules

    /**
     * Adds {@code rule}; it takes effect for the next frame. Returns false when the rule was
     * already present. A rule writes up to {@link SteeringKeyDescriptor#MAX_ENTRIES_PER_RULE} map
     * entries, shared with other rules of the same address (see {@link SteeringKeyDescriptor}).
     *
     * @throws IllegalStateException when this is not a steering program or it already holds
     *                               {@link #maxRules()} rules
     */
    public synchronized boolean addRule(SteeringRule rule) {
        ensureOpen();
        ensureSteering();
        if (rules.contains(rule)) {
            return false;
        }
        if (rules.size() >= maxRules) {
            throw full(rule);
        }
        rules.add(rule);
        try {
            writeEntries(rule, "adding steering rule " + rule + " to " + name);
        } catch (RuntimeException e) {
            rules.remove(rule);
            try {
                writeEntries(rule, "undoing steering rule " + rule + " in " + name);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return true;
    }

    /** Removes {@code rule}; false when it was not present. */
    public synchronized boolean removeRule(SteeringRule rule) {
        ensureOpen();
        ensureSteering();
        if (!rules.remove(rule)) {
            return false;
        }
        writeEntries(rule, "removing steering rule " + rule + " from " + name);
        return true;
    }

    /**
     * Brings the map entries of {@code rule}'s keys to what the current rule set needs: each
     * entry's flags are the OR over the rules that have it; an entry no rule needs is deleted.
     * Each entry changes in one map update, so a frame sees either the old or the new flags.
     */
    private void writeEntries(SteeringRule rule, String doing) {
        Map<SteeringKeyDescriptor.Key, Integer> wanted = SteeringKeyDescriptor.entriesOf(rules);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(SteeringKeyDescriptor.KEY_SIZE, 8);
            MemorySegment value = arena.allocate(SteeringKeyDescriptor.VALUE_SIZE, 8);
            for (SteeringKeyDescriptor.Key k : SteeringKeyDescriptor.entriesOf(rule).keySet()) {
                int flags = wanted.getOrDefault(k, 0);
                Integer now = entries.get(k);
                if (now != null && now == flags) {
                    continue;
                }
                SteeringKeyDescriptor.encode(k, key);
                if (flags == 0) {
                    Bpf.mapDelete(rulesMapFd, key, doing);
                    entries.remove(k);
                    continue;
                }
                SteeringKeyDescriptor.encodeValue(flags, value);
                try {
                    Bpf.mapUpdate(rulesMapFd, key, value, BPF_ANY, doing);
                } catch (NativeException e) {
                    if (e.errno() == Errno.E2BIG) {
                        throw full(rule); // the map is sized for maxRules: someone else wrote to it
                    }
                    throw e;
                }
                entries.put(k, flags);
            }
        }
    }

    /** The rules added through this object, in insertion order (a copy). */
    public synchronized Set<SteeringRule> rules() {
        return Collections.unmodifiableSet(new LinkedHashSet<>(rules));
    }

    public int maxRules() {
        return maxRules;
    }

    private IllegalStateException full(SteeringRule rule) {
        return new IllegalStateException("cannot add steering rule " + rule + ": program " + name
                + " already holds its maximum of " + maxRules + " rules; remove one or create the program with room for more rules "
                + "(XdpPrograms.steering's maxRules, AfXdpOptions.withSteeringRules)");
    }

    private void ensureSteering() {
        if (!steers()) {
            throw new IllegalStateException("program " + name + " redirects every packet and has no steering rules: "
                    + "use XdpPrograms.steering(...)");
        }
    }

    // ------------------------------------------------------------------ counters

    /** The verdict counters summed over CPUs; empty for a program without counters (redirect-all). */
    public synchronized Optional<XdpCounters> counters() {
        ensureOpen();
        if (countersMapFd == NO_FD) {
            return Optional.empty();
        }
        int cpus = PossibleCpus.count();
        long[] sums = new long[XdpCountersDescriptor.COUNT];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment key = arena.allocate(JAVA_INT);
            MemorySegment values = arena.allocate((long) XdpCountersDescriptor.VALUE_SIZE * cpus, 8);
            for (int index = 0; index < sums.length; index++) {
                key.set(JAVA_INT, 0, index);
                if (Bpf.mapLookup(countersMapFd, key, values, "reading the verdict counters of " + name)) {
                    for (int cpu = 0; cpu < cpus; cpu++) {
                        sums[index] += values.getAtIndex(JAVA_LONG, cpu);
                    }
                }
            }
        }
        return Optional.of(new XdpCounters(sums[XdpCountersDescriptor.REDIRECTED], sums[XdpCountersDescriptor.NO_SOCKET],
                sums[XdpCountersDescriptor.NOT_MATCHED], sums[XdpCountersDescriptor.NOT_IP],
                sums[XdpCountersDescriptor.MALFORMED]));
    }

    // ------------------------------------------------------------------ lifecycle

    /** Closes the program and map fds. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LibC.close(progFd);
        LibC.close(xskMapFd);
        LibC.close(rulesMapFd);
        LibC.close(countersMapFd);
        progFd = xskMapFd = rulesMapFd = countersMapFd = NO_FD;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("XDP program " + name + " is closed");
        }
    }

    @Override
    public synchronized String toString() {
        return "XdpProgram[" + name + (closed ? ", closed" : ", fd " + progFd) + ", " + queueSlots + " queue slot(s)"
                + (steering ? ", " + rules.size() + "/" + maxRules + " rules" : "") + "]";
    }
}
