/**
 * The one counters model of Sluice, in the spirit of Agrona's {@code CountersManager} and Aeron's
 * CnC file: {@link dev.sluice.counters.CounterGroup counter groups} (a kind, {@code key=value}
 * {@link dev.sluice.counters.Labels labels}, counters and gauges) allocated by a
 * {@link dev.sluice.counters.CounterAllocator} (in memory, or a {@link dev.sluice.counters.CountersFile
 * shared-memory file} that {@code sluice stat} reads from another process with a
 * {@link dev.sluice.counters.CountersReader}), and the {@link dev.sluice.counters.CountersDirectory
 * directory} where the files of running instances live. Ports, workers, the XDP programs and the
 * load balancer all count through it; readers derive names and labels from the file alone.
 * Layout: {@link dev.sluice.counters.CountersDescriptor}.
 */
package dev.sluice.counters;
