package dev.sluice.drivers.xdp;

import dev.sluice.counters.CounterAllocator;
import dev.sluice.counters.CounterGroup;
import dev.sluice.counters.CounterType;
import dev.sluice.counters.Labels;

import java.util.Optional;

/**
 * A steering program's verdict counters (a per-CPU BPF map, {@link XdpCountersDescriptor}) copied
 * into a counter group of kind {@code xdp} labelled with the interface the program is attached to
 * ({@code iface=eth0}), so that {@code sluice stat} and {@code --metrics} show them like any other
 * group. The kernel keeps the counts; reading them is a map lookup per counter, so one thread (the
 * instance's once-per-second reporter, never the data path) calls {@link #update()}: it is the
 * group's single writer.
 */
public final class XdpProgramCounters {
    public static final String KIND = "xdp";

    private final XdpProgram program;
    private final CounterGroup group;

    private XdpProgramCounters(XdpProgram program, CounterGroup group) {
        this.program = program;
        this.group = group;
    }

    /** Allocates the group of {@code program} attached to {@code iface}. */
    public static XdpProgramCounters allocate(CounterAllocator allocator, XdpProgram program, String iface) {
        return new XdpProgramCounters(program,
                allocator.allocate(KIND, Labels.of("iface", iface), CounterType.COUNTER, XdpCountersDescriptor.NAMES.clone()));
    }

    /** Reads the program's counters and stores them; empty (nothing stored) for a program without counters. */
    public Optional<XdpCounters> update() {
        Optional<XdpCounters> now = program.counters();
        now.ifPresent(c -> {
            group.set(XdpCountersDescriptor.REDIRECTED, c.redirected());
            group.set(XdpCountersDescriptor.NO_SOCKET, c.noSocket());
            group.set(XdpCountersDescriptor.NOT_MATCHED, c.notMatched());
            group.set(XdpCountersDescriptor.NOT_IP, c.notIp());
            group.set(XdpCountersDescriptor.MALFORMED, c.malformed());
        });
        return now;
    }

    public long get(int counter) {
        return group.get(counter);
    }

    /** The group (to free it with the program). */
    public CounterGroup group() {
        return group;
    }
}
