package dev.sluice.lb.stats;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.Labels;
import dev.sluice.lb.config.BackendConfig;
import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.Literals;
import dev.sluice.lb.config.VipConfig;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Per-VIP and per-backend statistics of a balancer, from the workers' {@link LbStats} rows to
 * labelled counter groups, so that {@code sluice stat} and {@code --metrics} show them like any
 * other group:
 * <ul>
 *   <li>kind {@value #VIP_KIND}, labels {@code vip=NAME}: counters {@code packets bytes new_flows
 *       conn_hit conn_miss dropped drop_no_backend drop_no_mac}, gauges {@code backends backends_up};</li>
 *   <li>kind {@value #BACKEND_KIND}, labels {@code vip=NAME backend=ADDR}: counters {@code packets
 *       bytes new_flows health_changes}, gauges {@code up weight effective_weight drained}.</li>
 * </ul>
 *
 * <p>The control plane calls {@link #apply} with a configuration before it builds tables for it
 * (the table builder asks this object, a {@link StatsRows}, for each VIP's and backend's row), and
 * {@link #update} periodically on its control thread. A VIP is known by its name, a backend by (VIP
 * name, address): a reload that keeps them keeps their rows, groups and counts.
 *
 * <h2>Freed rows: the quarantine</h2>
 * {@link #apply} closes the groups of VIPs and backends no longer configured at once (their series
 * disappear), but their rows are only <em>quarantined</em>: workers still holding the previous tables
 * keep writing them until their next burst. Rows never used go first; a quarantined row is given to
 * another VIP or backend only when none is left, and only once it has been quarantined for
 * {@link #DEFAULT_QUARANTINE} (or the quarantine given). Until then (and as long as no other took
 * it) the VIP or backend that had it gets it back if it is configured again. This relies on two
 * things:
 * <ol>
 *   <li>the control plane publishes the tables built from an {@code apply}'s rows right after it
 *       (well within the quarantine), and when it does not publish them (the tables cannot be built,
 *       the reload is refused) it {@code apply}s the configuration still running again: a VIP or
 *       backend that comes back while its row is still quarantined gets that same row (and its
 *       counts) back, so the running tables still write where they should;</li>
 *   <li>a worker reads the tables once per burst and a burst lasts microseconds, far less than the
 *       quarantine.</li>
 * </ol>
 * A worker stalled longer than the quarantine in the middle of a burst could add a burst's packets
 * to a reused row: a miscount, never a write outside the rows. A reused row keeps its old values in
 * memory; its new owner's counts are taken relative to a baseline read when the row was given out,
 * so no thread but the worker ever writes a row.
 *
 * <p>Transactional: an {@code apply} that finds no row or no room in the counters file undoes what
 * it did and throws a {@link StatsFullException}; the previous configuration's statistics stay.
 *
 * <p>Thread-safe (every method holds this object's lock; none is on the data path). The caller owns
 * the {@link LbStats}; {@link #close()} frees the groups, not the rows.
 */
public final class LbMetrics implements StatsRows, AutoCloseable {
    public static final String VIP_KIND = "lb_vip";
    public static final String BACKEND_KIND = "lb_backend";
    /** How long a freed row stays unused at least. */
    public static final Duration DEFAULT_QUARANTINE = Duration.ofSeconds(2);
    /** Rates are computed over at least this long. */
    static final long RATE_WINDOW_NANOS = 1_000_000_000L;

    // lb_vip: the 8 row columns (StatsColumns), then the gauges.
    static final int VIP_BACKENDS = LbStats.COLUMNS;
    static final int VIP_BACKENDS_UP = LbStats.COLUMNS + 1;
    // lb_backend: the 4 row columns, then:
    static final int BACKEND_HEALTH_CHANGES = 4;
    static final int BACKEND_UP = 5;
    static final int BACKEND_WEIGHT = 6;
    static final int BACKEND_EFFECTIVE_WEIGHT = 7;
    static final int BACKEND_DRAINED = 8;

    private static final String[] VIP_NAMES = concat(StatsColumns.VIP_NAMES, "backends", "backends_up");
    private static final CounterType[] VIP_TYPES = types(StatsColumns.VIP_NAMES.length, 2);
    private static final String[] BACKEND_NAMES = concat(StatsColumns.BACKEND_NAMES, "health_changes", "up", "weight",
            "effective_weight", "drained");
    private static final CounterType[] BACKEND_TYPES = types(StatsColumns.BACKEND_NAMES.length + 1, 4);

    private final LbStats stats;
    private final CounterAllocator counters;
    private final LongSupplier nanoClock;
    private final long quarantineNanos;
    private final Map<Key, Entry> active = new LinkedHashMap<>();
    /** Freed rows by their last owner, oldest first. */
    private final Map<Key, Quarantined> quarantine = new LinkedHashMap<>();
    /** Rows never written by a worker, given back by an apply that failed. */
    private final List<Integer> freeRows = new ArrayList<>();
    /** The lowest row never handed out. */
    private int nextFresh = LbStats.SINK + 1;
    private LbConfig config;
    private boolean closed;

    /** Statistics over {@code stats}' rows, published as groups from {@code counters}. */
    public LbMetrics(LbStats stats, CounterAllocator counters) {
        this(stats, counters, System::nanoTime, DEFAULT_QUARANTINE);
    }

    /** As {@link #LbMetrics(LbStats, CounterAllocator)} with the clock and quarantine given (tests). */
    public LbMetrics(LbStats stats, CounterAllocator counters, LongSupplier nanoClock, Duration quarantine) {
        this.stats = stats;
        this.counters = counters;
        this.nanoClock = nanoClock;
        this.quarantineNanos = quarantine.toNanos();
    }

    /**
     * Before building tables for {@code config}: rows and counter groups for every configured VIP and
     * (VIP, backend); those of VIPs and backends no longer configured are freed (groups closed, rows
     * quarantined). All or nothing.
     *
     * @throws StatsFullException when rows or the counters file run out (nothing changed)
     */
    public synchronized void apply(LbConfig config) {
        if (closed) {
            throw new IllegalStateException("statistics closed");
        }
        long now = nanoClock.getAsLong();
        Set<Key> wanted = keys(config);
        List<Entry> added = new ArrayList<>();
        try {
            for (Key k : wanted) {
                if (!active.containsKey(k)) {
                    added.add(open(k, now));
                }
            }
        } catch (RuntimeException e) {
            for (int i = added.size() - 1; i >= 0; i--) {
                undo(added.get(i));
            }
            throw e;
        }
        for (Iterator<Entry> it = active.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (!wanted.contains(e.key)) {
                e.group.close();
                quarantine.put(e.key, new Quarantined(e.row, e.baseline, now));
                it.remove();
            }
        }
        for (Entry e : added) {
            active.put(e.key, e);
        }
        this.config = config;
    }

    private static Set<Key> keys(LbConfig config) {
        Set<Key> keys = new LinkedHashSet<>();
        for (VipConfig v : config.vips()) {
            keys.add(new Key(v.name(), null));
            for (BackendConfig b : v.backends()) {
                keys.add(new Key(v.name(), b.address()));
            }
        }
        return keys;
    }

    private Entry open(Key k, long now) {
        Quarantined q = quarantine.remove(k);
        Key from = k;
        int row;
        long[] baseline;
        if (q != null) {
            row = q.row; // the same VIP or backend back: its row, which running tables may still write
            baseline = q.baseline;
        } else {
            Map.Entry<Key, Quarantined> reused = reusable(now);
            if (!freeRows.isEmpty()) {
                row = freeRows.removeLast();
            } else if (nextFresh < stats.rowCapacity()) {
                row = nextFresh++;
            } else if (reused != null) {
                from = reused.getKey();
                q = quarantine.remove(from);
                row = q.row;
            } else {
                throw new StatsFullException("no statistics row left for " + k + ": all " + (stats.rowCapacity() - 1)
                        + " rows are in use or were freed by a reload less than " + quarantineNanos / 1_000_000
                        + " ms ago (" + quarantine.size() + ")");
            }
            baseline = new long[LbStats.COLUMNS];
            for (int c = 0; c < baseline.length; c++) {
                baseline[c] = stats.sum(row, c); // what the row's earlier owners counted
            }
        }
        CounterGroup group;
        try {
            group = k.backend == null
                    ? counters.allocate(VIP_KIND, Labels.of("vip", k.vip), VIP_NAMES, VIP_TYPES)
                    : counters.allocate(BACKEND_KIND, Labels.of("vip", k.vip, "backend", Literals.text(k.backend)),
                            BACKEND_NAMES, BACKEND_TYPES);
        } catch (IllegalStateException e) {
            giveBack(from, row, q);
            throw new StatsFullException("no room in the counters file for the counters of " + k + " (" + e.getMessage()
                    + "); the counters file needs one group per VIP and per (VIP, backend)", e);
        } catch (RuntimeException e) {
            giveBack(from, row, q);
            throw e;
        }
        Entry e = new Entry(k, row, baseline, group, from, q, now);
        e.lastPackets = e.value(stats, StatsColumns.PACKETS);
        int columns = k.backend == null ? StatsColumns.VIP_NAMES.length : StatsColumns.BACKEND_NAMES.length;
        for (int c = 0; c < columns; c++) {
            group.set(c, e.value(stats, c));
        }
        return e;
    }

    /** The quarantined row freed longest ago, when it has been quarantined long enough; else null. */
    private Map.Entry<Key, Quarantined> reusable(long now) {
        Iterator<Map.Entry<Key, Quarantined>> it = quarantine.entrySet().iterator();
        if (it.hasNext()) {
            Map.Entry<Key, Quarantined> oldest = it.next();
            return now - oldest.getValue().since >= quarantineNanos ? oldest : null;
        }
        return null;
    }

    /** Puts a row back where {@link #open} took it: the quarantine (as {@code owner}'s), or the free rows. */
    private void giveBack(Key owner, int row, Quarantined q) {
        if (q != null) {
            quarantine.put(owner, q); // at the end: taken again only after rows freed earlier
        } else {
            freeRows.add(row);
        }
    }

    /** Undoes {@link #open}. */
    private void undo(Entry e) {
        e.group.close();
        giveBack(e.rowOwner, e.row, e.quarantined);
    }

    @Override
    public synchronized int vipRow(String vipName) {
        Entry e = active.get(new Key(vipName, null));
        return e == null ? LbStats.SINK : e.row;
    }

    @Override
    public synchronized int backendRow(String vipName, InetAddress backend) {
        Entry e = active.get(new Key(vipName, backend));
        return e == null ? LbStats.SINK : e.row;
    }

    /**
     * Sums every worker's rows into the groups, sets the gauges from {@code view}, and computes the
     * per-second rates (over at least a second). The control thread, about every 250 ms.
     */
    public synchronized void update(BackendView view) {
        if (closed || config == null) {
            return;
        }
        long now = nanoClock.getAsLong();
        for (VipConfig v : config.vips()) {
            Entry ve = active.get(new Key(v.name(), null));
            long[] vs = new long[StatsColumns.VIP_NAMES.length];
            for (int c = 0; c < vs.length; c++) {
                vs[c] = ve.value(stats, c);
                ve.group.set(c, vs[c]);
            }
            int up = 0;
            for (BackendConfig b : v.backends()) {
                InetAddress a = b.address();
                Entry be = active.get(new Key(v.name(), a));
                long packets = be.value(stats, StatsColumns.PACKETS);
                long bytes = be.value(stats, StatsColumns.BYTES);
                long newFlows = be.value(stats, StatsColumns.NEW_FLOWS);
                CounterGroup g = be.group;
                g.set(StatsColumns.PACKETS, packets);
                g.set(StatsColumns.BYTES, bytes);
                g.set(StatsColumns.NEW_FLOWS, newFlows);
                g.set(StatsColumns.CONN_EVICTION, be.value(stats, StatsColumns.CONN_EVICTION));
                boolean isUp = view.up(v.name(), a);
                up += isUp ? 1 : 0;
                g.set(BACKEND_HEALTH_CHANGES, view.healthChanges(v.name(), a));
                g.set(BACKEND_UP, isUp ? 1 : 0);
                g.set(BACKEND_WEIGHT, view.weight(v.name(), a));
                g.set(BACKEND_EFFECTIVE_WEIGHT, view.effectiveWeight(v.name(), a));
                g.set(BACKEND_DRAINED, view.drained(v.name(), a) ? 1 : 0);
                be.backendCounts = new BackendCounts(packets, bytes, newFlows, be.rate(packets, now));
            }
            ve.group.set(VIP_BACKENDS, v.backends().size());
            ve.group.set(VIP_BACKENDS_UP, up);
            ve.vipCounts = new VipCounts(vs[StatsColumns.PACKETS], vs[StatsColumns.BYTES], vs[StatsColumns.NEW_FLOWS],
                    vs[StatsColumns.DROPPED], ve.rate(vs[StatsColumns.PACKETS], now));
        }
    }

    /** A backend's counts in a VIP as of the last {@link #update}; {@link BackendCounts#ZERO} when not configured. */
    public synchronized BackendCounts backend(String vip, InetAddress backend) {
        Entry e = active.get(new Key(vip, backend));
        return e == null ? BackendCounts.ZERO : e.backendCounts;
    }

    /** A VIP's counts as of the last {@link #update}; {@link VipCounts#ZERO} when not configured. */
    public synchronized VipCounts vip(String vip) {
        Entry e = active.get(new Key(vip, null));
        return e == null ? VipCounts.ZERO : e.vipCounts;
    }

    /** Rows held by configured VIPs and backends. */
    public synchronized int rowsInUse() {
        return active.size();
    }

    /** Rows freed but not yet reusable. */
    public synchronized int rowsQuarantined() {
        return quarantine.size();
    }

    /** Closes every group (the series disappear). The rows are the caller's. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Entry e : active.values()) {
            e.group.close();
        }
        active.clear();
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static CounterType[] types(int counters, int gauges) {
        CounterType[] t = new CounterType[counters + gauges];
        for (int i = 0; i < t.length; i++) {
            t[i] = i < counters ? CounterType.COUNTER : CounterType.GAUGE;
        }
        return t;
    }

    /** A VIP ({@code backend} null) or a backend of a VIP. */
    private record Key(String vip, InetAddress backend) {
        @Override
        public String toString() {
            return backend == null ? "vip " + vip : "vip " + vip + " backend " + Literals.text(backend);
        }
    }

    private record Quarantined(int row, long[] baseline, long since) {
    }

    private static final class Entry {
        final Key key;
        final int row;
        /** The row's sums when it was given to this key: counts are relative to them. */
        final long[] baseline;
        final CounterGroup group;
        /** Where the row came from, to put it back when the apply fails: the quarantine (as this owner's), or null. */
        final Key rowOwner;
        final Quarantined quarantined;
        long lastPackets;
        long lastNanos;
        double rate;
        BackendCounts backendCounts = BackendCounts.ZERO;
        VipCounts vipCounts = VipCounts.ZERO;

        Entry(Key key, int row, long[] baseline, CounterGroup group, Key rowOwner, Quarantined quarantined, long now) {
            this.key = key;
            this.row = row;
            this.baseline = baseline;
            this.group = group;
            this.rowOwner = rowOwner;
            this.quarantined = quarantined;
            this.lastNanos = now;
        }

        long value(LbStats stats, int column) {
            return stats.sum(row, column) - baseline[column];
        }

        /** Packets per second over the last window of at least {@link #RATE_WINDOW_NANOS}. */
        double rate(long packets, long now) {
            long elapsed = now - lastNanos;
            if (elapsed >= RATE_WINDOW_NANOS) {
                rate = (packets - lastPackets) * 1e9 / elapsed;
                lastPackets = packets;
                lastNanos = now;
            }
            return rate;
        }
    }
}
