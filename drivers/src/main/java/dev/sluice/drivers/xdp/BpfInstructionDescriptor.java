package dev.sluice.drivers.xdp;

/**
 * The eBPF instruction encoding: one place for the layout and the opcode bits that
 * {@link BpfAssembler} combines. Values from the kernel UAPI header {@code linux/bpf.h} and the
 * eBPF instruction set specification (RFC 9669).
 *
 * <pre>
 * One slot, 8 bytes, little-endian:
 *
 *   0        1        2                 4                                  8
 *   +--------+--------+--------+--------+--------+--------+--------+--------+
 *   | opcode |src|dst |   off (s16)     |             imm (s32)             |
 *   +--------+--------+--------+--------+--------+--------+--------+--------+
 *              ^ high nibble = src register, low nibble = dst register
 *
 * opcode, by class (low 3 bits):
 *
 *   ALU / ALU64 / JMP / JMP32      LD / LDX / ST / STX
 *   7      4   3   2    0          7    5  4  3 2    0
 *   +------+---+------+            +-----+----+------+
 *   |  op  | s |class |            |mode |size|class |
 *   +------+---+------+            +-----+----+------+
 *   s = source: 0 = imm (K), 1 = register (X); for END it selects to-LE (0) / to-BE (1)
 *
 * LD_IMM64 (opcode 0x18) takes two slots; the second has opcode 0 and carries the high 32 bits
 * of the constant in its imm. With src = 1 (BPF_PSEUDO_MAP_FD) imm is a map fd that the kernel
 * replaces by the map's address when it loads the program.
 * Jump offsets count slots from the slot after the jump.
 * </pre>
 */
public final class BpfInstructionDescriptor {
    /** Bytes per instruction slot. */
    public static final int SLOT_LENGTH = 8;
    public static final int OPCODE_OFFSET = 0;
    public static final int REGISTERS_OFFSET = 1;
    public static final int OFF_OFFSET = 2;
    public static final int IMM_OFFSET = 4;

    // Classes.
    public static final int CLASS_LD = 0x00;
    public static final int CLASS_LDX = 0x01;
    public static final int CLASS_ST = 0x02;
    public static final int CLASS_STX = 0x03;
    public static final int CLASS_ALU = 0x04;
    public static final int CLASS_JMP = 0x05;
    public static final int CLASS_JMP32 = 0x06;
    public static final int CLASS_ALU64 = 0x07;

    // Sizes (LD/LDX/ST/STX).
    public static final int SIZE_W = 0x00;
    public static final int SIZE_H = 0x08;
    public static final int SIZE_B = 0x10;
    public static final int SIZE_DW = 0x18;

    // Modes (LD/LDX/ST/STX).
    public static final int MODE_IMM = 0x00;
    public static final int MODE_MEM = 0x60;

    // Source operand.
    public static final int SOURCE_K = 0x00;
    public static final int SOURCE_X = 0x08;

    // ALU operations.
    public static final int ALU_ADD = 0x00;
    public static final int ALU_SUB = 0x10;
    public static final int ALU_MUL = 0x20;
    public static final int ALU_DIV = 0x30;
    public static final int ALU_OR = 0x40;
    public static final int ALU_AND = 0x50;
    public static final int ALU_LSH = 0x60;
    public static final int ALU_RSH = 0x70;
    public static final int ALU_NEG = 0x80;
    public static final int ALU_MOD = 0x90;
    public static final int ALU_XOR = 0xa0;
    public static final int ALU_MOV = 0xb0;
    public static final int ALU_ARSH = 0xc0;
    /** Byte swap; the source bit selects the target order, imm the width (16, 32, 64). */
    public static final int ALU_END = 0xd0;
    public static final int END_TO_LE = 0x00;
    public static final int END_TO_BE = 0x08;

    // Jump operations.
    public static final int JMP_JA = 0x00;
    public static final int JMP_JEQ = 0x10;
    public static final int JMP_JGT = 0x20;
    public static final int JMP_JGE = 0x30;
    public static final int JMP_JSET = 0x40;
    public static final int JMP_JNE = 0x50;
    public static final int JMP_JSGT = 0x60;
    public static final int JMP_JSGE = 0x70;
    public static final int JMP_CALL = 0x80;
    public static final int JMP_EXIT = 0x90;
    public static final int JMP_JLT = 0xa0;
    public static final int JMP_JLE = 0xb0;
    public static final int JMP_JSLT = 0xc0;
    public static final int JMP_JSLE = 0xd0;

    /** LD_IMM64 src value: imm is a map fd. */
    public static final int PSEUDO_MAP_FD = 1;

    private BpfInstructionDescriptor() {
    }
}
