package dev.sluice.drivers.xdp;

/**
 * The eleven eBPF registers. Calling convention: R0 holds a helper's result and the program's
 * return value; R1..R5 carry helper arguments and are clobbered by every call; R6..R9 survive
 * calls; R10 is the read-only frame pointer (the 512-byte stack lies below it).
 */
public enum BpfRegister {
    R0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10;

    /** Alias of {@link #R10}. */
    public static final BpfRegister FP = R10;

    /** The 4-bit register number used in the encoding. */
    public int number() {
        return ordinal();
    }
}
