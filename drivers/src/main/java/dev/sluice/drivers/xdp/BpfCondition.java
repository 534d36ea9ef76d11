package dev.sluice.drivers.xdp;

import static dev.sluice.drivers.xdp.BpfInstructionDescriptor.*;

/** Conditions of the conditional jumps; unsigned unless the name starts with S. */
public enum BpfCondition {
    EQ(JMP_JEQ, "=="),
    NE(JMP_JNE, "!="),
    GT(JMP_JGT, ">"),
    GE(JMP_JGE, ">="),
    LT(JMP_JLT, "<"),
    LE(JMP_JLE, "<="),
    SGT(JMP_JSGT, "s>"),
    SGE(JMP_JSGE, "s>="),
    SLT(JMP_JSLT, "s<"),
    SLE(JMP_JSLE, "s<="),
    /** Jumps when {@code dst & src} is non-zero. */
    SET(JMP_JSET, "&");

    private final int operation;
    private final String symbol;

    BpfCondition(int operation, String symbol) {
        this.operation = operation;
        this.symbol = symbol;
    }

    /** The op bits of the opcode (high nibble). */
    public int operation() {
        return operation;
    }

    public String symbol() {
        return symbol;
    }
}
