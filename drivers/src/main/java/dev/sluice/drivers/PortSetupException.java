package dev.sluice.drivers;

import java.util.Objects;

/**
 * A port could not be set up because of something the user can fix (unknown interface, queue out
 * of range, too little locked memory, a program already attached). The message says what happened
 * and what to do; command-line tools print it without a stack trace. The {@link #reason()} says
 * which kind of failure it was, for code that acts on it (e.g. offering another driver): decide
 * from the reason, never from the message, whose wording is for people and may change.
 */
public final class PortSetupException extends RuntimeException {

    /** The kinds of setup failure the drivers report; each throw site names exactly one. */
    public enum Reason {
        /** No network interface of that name (or none given), or it vanished while the port was opening. */
        UNKNOWN_INTERFACE,
        /** A queue id outside the interface's RX queues. */
        QUEUE_OUT_OF_RANGE,
        /** Arguments that cannot work together: no queue, a queue listed twice, a UMEM too small for its queues. */
        INVALID_ARGUMENT,
        /** The interface already runs an XDP program that is not ours. */
        XDP_PROGRAM_PRESENT,
        /** Zero-copy was required, and the interface's driver does not support it. */
        ZERO_COPY_UNSUPPORTED,
        /** The kernel or the driver refused to attach an XDP program in every mode tried. */
        XDP_UNSUPPORTED,
        /** The UMEM needs more locked memory than RLIMIT_MEMLOCK allows, and CAP_IPC_LOCK is missing. */
        LOCKED_MEMORY,
        /** The process lacks a capability the port needs (the message names them). */
        PRIVILEGE,
        /** The kernel has no AF_PACKET sockets (CONFIG_PACKET is off). */
        AF_PACKET_UNSUPPORTED,
        /** AF_PACKET rings larger than the memory the kernel can, or should, give them. */
        RINGS_TOO_LARGE,
        /** An AF_PACKET fanout group of that id exists with another mode or on another interface. */
        FANOUT_CONFLICT,
        /** A capture file cannot be opened or created, or is not a pcap/pcapng capture. */
        CAPTURE_FILE
    }

    private final Reason reason;

    public PortSetupException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public PortSetupException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Which kind of failure this is; never null. */
    public Reason reason() {
        return reason;
    }
}
