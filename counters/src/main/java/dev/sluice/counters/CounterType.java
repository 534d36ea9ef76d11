package dev.sluice.counters;

/** What a counter's value means to a reader: how it is shown and exported. */
public enum CounterType {
    /** Only grows while its group lives (packets, bytes, drops): readers show rates; Prometheus {@code _total}. */
    COUNTER,
    /** Goes up and down (frames in a pool, connections open): readers show the value only. */
    GAUGE
}
