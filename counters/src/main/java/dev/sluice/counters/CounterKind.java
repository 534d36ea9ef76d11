package dev.sluice.counters;

/**
 * A kind of counter group whose counters are all of type {@link CounterType#COUNTER} and fixed in
 * the code: its kind name ({@code worker}, {@code lb}) and its counters' names, counter {@code i}
 * named {@code name(i)}. A typed view of such groups ({@code WorkerCounters}, {@code LbCounters})
 * keeps one as a constant next to its index constants: it allocates the groups, names the
 * counters and finds them by name here, and keeps only its own write path. Immutable.
 */
public final class CounterKind {
    private final String kind;
    private final String[] names;

    /** {@code kind} and its counters' names, in index order; both checked when a group is allocated. */
    public CounterKind(String kind, String... names) {
        this.kind = kind;
        this.names = names.clone();
    }

    public String kind() {
        return kind;
    }

    /** How many counters a group of this kind has. */
    public int count() {
        return names.length;
    }

    public String name(int counter) {
        return names[counter];
    }

    /** The index of the counter named {@code name}; an {@link IllegalArgumentException} when there is none. */
    public int indexOf(String name) {
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(name)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no " + kind + " counter named " + name);
    }

    /** A copy of the names, in index order. */
    public String[] names() {
        return names.clone();
    }

    /** Allocates a group of this kind labelled {@code labels} from {@code allocator}. */
    public CounterGroup allocate(CounterAllocator allocator, Labels labels) {
        return allocator.allocate(kind, labels, CounterType.COUNTER, names);
    }

    /**
     * {@code group}'s values as {@code name=value}, separated by single spaces, in index order;
     * counters at zero left out unless {@code withZeros} (tests, logs).
     */
    public static String values(CounterGroup group, boolean withZeros) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < group.size(); i++) {
            long v = group.get(i);
            if (withZeros || v != 0) {
                sb.append(sb.isEmpty() ? "" : " ").append(group.name(i)).append('=').append(v);
            }
        }
        return sb.toString();
    }
}
