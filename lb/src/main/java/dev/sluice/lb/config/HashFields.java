package dev.sluice.lb.config;

/** Which packet fields choose a flow's backend. */
public enum HashFields {
    /** Source and destination address and port and the protocol (the default). */
    FIVE_TUPLE,
    /** The source address only: one client always reaches one backend. */
    SOURCE,
    /** The source address and port. */
    SOURCE_PORT
}
