package dev.sluice.drivers.xdp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import static dev.sluice.drivers.xdp.BpfInstructionDescriptor.*;

/**
 * A small eBPF assembler: fluent methods append instructions (encoding in
 * {@link BpfInstructionDescriptor}), labels name jump targets, {@link #build()} resolves the jumps
 * and returns the bytecode for {@code Bpf.progLoad}.
 *
 * <pre>{@code
 * BpfAssembler asm = new BpfAssembler();
 * asm.ldxW(R2, R1, XdpMdDescriptor.RX_QUEUE_INDEX_OFFSET)   // r2 = ctx->rx_queue_index
 *    .ldMapFd(R1, xskMapFd)                                 // r1 = &xskmap
 *    .mov(R3, XdpAction.PASS)                               // r3 = XDP_PASS
 *    .call(BpfHelper.REDIRECT_MAP)
 *    .exit();
 * byte[] code = asm.build();
 * }</pre>
 *
 * <p>Memory operands are written in the order of the C expression they stand for:
 * {@code ldxW(dst, base, off)} is {@code dst = *(u32 *)(base + off)} and
 * {@code stxW(base, off, src)} is {@code *(u32 *)(base + off) = src}. Methods without a suffix
 * operate on 64 bits; the {@code 32} suffix marks 32-bit operations, which zero the upper half of
 * the destination.
 *
 * <p>Labels may be used before they are bound (forward jumps) or after (backward jumps). Building
 * fails when a used label was never bound or a jump distance does not fit the 16-bit offset. An
 * assembler is a one-shot, single-threaded builder; {@link #build()} may be called more than once.
 */
public final class BpfAssembler {
    /** A jump target; create with {@link #newLabel}, place with {@link #bind}. */
    public static final class Label {
        private final BpfAssembler owner;
        private final String name;
        private int slot = -1;

        private Label(BpfAssembler owner, String name) {
            this.owner = owner;
            this.name = name;
        }

        public String name() {
            return name;
        }

        public boolean isBound() {
            return slot >= 0;
        }

        @Override
        public String toString() {
            return isBound() ? name + "@" + slot : name + "(unbound)";
        }
    }

    private record PendingJump(int slot, Label target) {
    }

    private long[] slots = new long[64];
    private int count;
    private final List<PendingJump> jumps = new ArrayList<>();

    /** Number of 8-byte slots emitted so far (LD_IMM64 counts two). */
    public int slotCount() {
        return count;
    }

    // ------------------------------------------------------------------ labels

    public Label newLabel(String name) {
        return new Label(this, Objects.requireNonNull(name, "name"));
    }

    /** Places {@code label} at the next instruction. */
    public BpfAssembler bind(Label label) {
        checkOwner(label);
        if (label.isBound()) {
            throw new IllegalStateException("label '" + label.name + "' is already bound at slot " + label.slot);
        }
        label.slot = count;
        return this;
    }

    // ------------------------------------------------------------------ ALU, 64-bit

    public BpfAssembler mov(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_MOV, dst, src);
    }

    /** {@code dst = imm}, sign-extended to 64 bits. */
    public BpfAssembler mov(BpfRegister dst, int imm) {
        return alu64(ALU_MOV, dst, imm);
    }

    public BpfAssembler add(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_ADD, dst, src);
    }

    public BpfAssembler add(BpfRegister dst, int imm) {
        return alu64(ALU_ADD, dst, imm);
    }

    public BpfAssembler sub(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_SUB, dst, src);
    }

    public BpfAssembler sub(BpfRegister dst, int imm) {
        return alu64(ALU_SUB, dst, imm);
    }

    public BpfAssembler and(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_AND, dst, src);
    }

    public BpfAssembler and(BpfRegister dst, int imm) {
        return alu64(ALU_AND, dst, imm);
    }

    public BpfAssembler or(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_OR, dst, src);
    }

    public BpfAssembler or(BpfRegister dst, int imm) {
        return alu64(ALU_OR, dst, imm);
    }

    public BpfAssembler xor(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_XOR, dst, src);
    }

    public BpfAssembler xor(BpfRegister dst, int imm) {
        return alu64(ALU_XOR, dst, imm);
    }

    public BpfAssembler lsh(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_LSH, dst, src);
    }

    public BpfAssembler lsh(BpfRegister dst, int bits) {
        return alu64(ALU_LSH, dst, shift(bits, 63));
    }

    public BpfAssembler rsh(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_RSH, dst, src);
    }

    public BpfAssembler rsh(BpfRegister dst, int bits) {
        return alu64(ALU_RSH, dst, shift(bits, 63));
    }

    /** Arithmetic (sign-propagating) right shift. */
    public BpfAssembler arsh(BpfRegister dst, BpfRegister src) {
        return alu64(ALU_ARSH, dst, src);
    }

    public BpfAssembler arsh(BpfRegister dst, int bits) {
        return alu64(ALU_ARSH, dst, shift(bits, 63));
    }

    public BpfAssembler neg(BpfRegister dst) {
        return alu64(ALU_NEG, dst, 0);
    }

    /** {@code dst = dst <op> src} for any ALU op bits of {@link BpfInstructionDescriptor}, 64-bit. */
    private BpfAssembler alu64(int op, BpfRegister dst, BpfRegister src) {
        return emit(CLASS_ALU64 | op | SOURCE_X, dst, src, 0, 0);
    }

    /** {@code dst = dst <op> imm} for any ALU op bits, 64-bit. */
    private BpfAssembler alu64(int op, BpfRegister dst, int imm) {
        return emit(CLASS_ALU64 | op | SOURCE_K, dst, BpfRegister.R0, 0, imm);
    }

    // ------------------------------------------------------------------ ALU, 32-bit

    public BpfAssembler mov32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_MOV, dst, src);
    }

    public BpfAssembler mov32(BpfRegister dst, int imm) {
        return alu32(ALU_MOV, dst, imm);
    }

    public BpfAssembler add32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_ADD, dst, src);
    }

    public BpfAssembler add32(BpfRegister dst, int imm) {
        return alu32(ALU_ADD, dst, imm);
    }

    public BpfAssembler sub32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_SUB, dst, src);
    }

    public BpfAssembler sub32(BpfRegister dst, int imm) {
        return alu32(ALU_SUB, dst, imm);
    }

    public BpfAssembler and32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_AND, dst, src);
    }

    public BpfAssembler and32(BpfRegister dst, int imm) {
        return alu32(ALU_AND, dst, imm);
    }

    public BpfAssembler or32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_OR, dst, src);
    }

    public BpfAssembler or32(BpfRegister dst, int imm) {
        return alu32(ALU_OR, dst, imm);
    }

    public BpfAssembler lsh32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_LSH, dst, src);
    }

    public BpfAssembler lsh32(BpfRegister dst, int bits) {
        return alu32(ALU_LSH, dst, shift(bits, 31));
    }

    public BpfAssembler rsh32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_RSH, dst, src);
    }

    public BpfAssembler rsh32(BpfRegister dst, int bits) {
        return alu32(ALU_RSH, dst, shift(bits, 31));
    }

    public BpfAssembler arsh32(BpfRegister dst, BpfRegister src) {
        return alu32(ALU_ARSH, dst, src);
    }

    public BpfAssembler arsh32(BpfRegister dst, int bits) {
        return alu32(ALU_ARSH, dst, shift(bits, 31));
    }

    public BpfAssembler neg32(BpfRegister dst) {
        return alu32(ALU_NEG, dst, 0);
    }

    private BpfAssembler alu32(int op, BpfRegister dst, BpfRegister src) {
        return emit(CLASS_ALU | op | SOURCE_X, dst, src, 0, 0);
    }

    private BpfAssembler alu32(int op, BpfRegister dst, int imm) {
        return emit(CLASS_ALU | op | SOURCE_K, dst, BpfRegister.R0, 0, imm);
    }

    // ------------------------------------------------------------------ byte swaps

    /** {@code dst = htobe16(dst)}: on a little-endian host, swaps the low two bytes and clears the rest. */
    public BpfAssembler be16(BpfRegister dst) {
        return endian(END_TO_BE, dst, 16);
    }

    public BpfAssembler be32(BpfRegister dst) {
        return endian(END_TO_BE, dst, 32);
    }

    public BpfAssembler be64(BpfRegister dst) {
        return endian(END_TO_BE, dst, 64);
    }

    /** {@code dst = htole16(dst)}: on a little-endian host, only truncates to 16 bits. */
    public BpfAssembler le16(BpfRegister dst) {
        return endian(END_TO_LE, dst, 16);
    }

    public BpfAssembler le32(BpfRegister dst) {
        return endian(END_TO_LE, dst, 32);
    }

    public BpfAssembler le64(BpfRegister dst) {
        return endian(END_TO_LE, dst, 64);
    }

    private BpfAssembler endian(int order, BpfRegister dst, int width) {
        return emit(CLASS_ALU | ALU_END | order, dst, BpfRegister.R0, 0, width);
    }

    // ------------------------------------------------------------------ loads and stores

    /** {@code dst = *(u8 *)(base + off)}. */
    public BpfAssembler ldxB(BpfRegister dst, BpfRegister base, int off) {
        return ldx(SIZE_B, dst, base, off);
    }

    /** {@code dst = *(u16 *)(base + off)}, in memory order: a network-order field needs {@link #be16}. */
    public BpfAssembler ldxH(BpfRegister dst, BpfRegister base, int off) {
        return ldx(SIZE_H, dst, base, off);
    }

    public BpfAssembler ldxW(BpfRegister dst, BpfRegister base, int off) {
        return ldx(SIZE_W, dst, base, off);
    }

    public BpfAssembler ldxDW(BpfRegister dst, BpfRegister base, int off) {
        return ldx(SIZE_DW, dst, base, off);
    }

    /** {@code dst = *(size *)(base + off)}, zero-extended; {@code size} is one of the SIZE_ bits. */
    public BpfAssembler ldx(int size, BpfRegister dst, BpfRegister base, int off) {
        return emit(CLASS_LDX | MODE_MEM | size(size), dst, base, offset(off), 0);
    }

    /** {@code *(u8 *)(base + off) = src}. */
    public BpfAssembler stxB(BpfRegister base, int off, BpfRegister src) {
        return stx(SIZE_B, base, off, src);
    }

    public BpfAssembler stxH(BpfRegister base, int off, BpfRegister src) {
        return stx(SIZE_H, base, off, src);
    }

    public BpfAssembler stxW(BpfRegister base, int off, BpfRegister src) {
        return stx(SIZE_W, base, off, src);
    }

    public BpfAssembler stxDW(BpfRegister base, int off, BpfRegister src) {
        return stx(SIZE_DW, base, off, src);
    }

    private BpfAssembler stx(int size, BpfRegister base, int off, BpfRegister src) {
        return emit(CLASS_STX | MODE_MEM | size(size), base, src, offset(off), 0);
    }

    /** {@code *(u8 *)(base + off) = imm}. */
    public BpfAssembler stB(BpfRegister base, int off, int imm) {
        return st(SIZE_B, base, off, imm);
    }

    public BpfAssembler stH(BpfRegister base, int off, int imm) {
        return st(SIZE_H, base, off, imm);
    }

    public BpfAssembler stW(BpfRegister base, int off, int imm) {
        return st(SIZE_W, base, off, imm);
    }

    /** {@code *(u64 *)(base + off) = imm}, imm sign-extended. */
    public BpfAssembler stDW(BpfRegister base, int off, int imm) {
        return st(SIZE_DW, base, off, imm);
    }

    private BpfAssembler st(int size, BpfRegister base, int off, int imm) {
        return emit(CLASS_ST | MODE_MEM | size(size), base, BpfRegister.R0, offset(off), imm);
    }

    /** {@code dst = imm} for a full 64-bit constant (two slots). */
    public BpfAssembler ldImm64(BpfRegister dst, long imm) {
        return ldImm64(dst, 0, imm);
    }

    /** {@code dst = &map}: the kernel swaps the fd for the map's address at load (two slots). */
    public BpfAssembler ldMapFd(BpfRegister dst, int mapFd) {
        if (mapFd < 0) {
            throw new IllegalArgumentException("map fd " + mapFd + " is negative");
        }
        return ldImm64(dst, PSEUDO_MAP_FD, mapFd);
    }

    private BpfAssembler ldImm64(BpfRegister dst, int pseudo, long imm) {
        emit(CLASS_LD | MODE_IMM | SIZE_DW, dst, BpfRegister.values()[pseudo], 0, (int) imm);
        return append(encode(0, 0, 0, 0, (int) (imm >>> 32)));
    }

    // ------------------------------------------------------------------ jumps, calls

    /** Unconditional jump (goto). */
    public BpfAssembler ja(Label target) {
        return jump(CLASS_JMP | JMP_JA, BpfRegister.R0, BpfRegister.R0, 0, target);
    }

    /** {@code if (dst <cond> imm) goto target}, comparing 64 bits with imm sign-extended. */
    public BpfAssembler jmp(BpfCondition cond, BpfRegister dst, int imm, Label target) {
        return jump(CLASS_JMP | cond.operation() | SOURCE_K, dst, BpfRegister.R0, imm, target);
    }

    /** {@code if (dst <cond> src) goto target}, comparing 64 bits. */
    public BpfAssembler jmp(BpfCondition cond, BpfRegister dst, BpfRegister src, Label target) {
        return jump(CLASS_JMP | cond.operation() | SOURCE_X, dst, src, 0, target);
    }

    /** As {@link #jmp(BpfCondition, BpfRegister, int, Label)}, comparing the low 32 bits only. */
    public BpfAssembler jmp32(BpfCondition cond, BpfRegister dst, int imm, Label target) {
        return jump(CLASS_JMP32 | cond.operation() | SOURCE_K, dst, BpfRegister.R0, imm, target);
    }

    public BpfAssembler jmp32(BpfCondition cond, BpfRegister dst, BpfRegister src, Label target) {
        return jump(CLASS_JMP32 | cond.operation() | SOURCE_X, dst, src, 0, target);
    }

    public BpfAssembler jeq(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.EQ, dst, imm, target);
    }

    public BpfAssembler jeq(BpfRegister dst, BpfRegister src, Label target) {
        return jmp(BpfCondition.EQ, dst, src, target);
    }

    public BpfAssembler jne(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.NE, dst, imm, target);
    }

    public BpfAssembler jne(BpfRegister dst, BpfRegister src, Label target) {
        return jmp(BpfCondition.NE, dst, src, target);
    }

    public BpfAssembler jgt(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.GT, dst, imm, target);
    }

    /** The packet bounds check: {@code if (dst > src) goto target} with dst a packet pointer, src data_end. */
    public BpfAssembler jgt(BpfRegister dst, BpfRegister src, Label target) {
        return jmp(BpfCondition.GT, dst, src, target);
    }

    public BpfAssembler jge(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.GE, dst, imm, target);
    }

    public BpfAssembler jlt(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.LT, dst, imm, target);
    }

    public BpfAssembler jle(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.LE, dst, imm, target);
    }

    public BpfAssembler jset(BpfRegister dst, int imm, Label target) {
        return jmp(BpfCondition.SET, dst, imm, target);
    }

    /** Calls helper number {@code helper} (see {@link BpfHelper}); result in R0, R1..R5 clobbered. */
    public BpfAssembler call(int helper) {
        return emit(CLASS_JMP | JMP_CALL, BpfRegister.R0, BpfRegister.R0, 0, helper);
    }

    /** Returns R0. */
    public BpfAssembler exit() {
        return emit(CLASS_JMP | JMP_EXIT, BpfRegister.R0, BpfRegister.R0, 0, 0);
    }

    // ------------------------------------------------------------------ output

    /**
     * Resolves every jump and returns the bytecode, 8 bytes per slot.
     *
     * @throws IllegalStateException when a jump targets an unbound label or is too far for its
     *                               16-bit offset
     */
    public byte[] build() {
        long[] resolved = Arrays.copyOf(slots, count);
        for (PendingJump jump : jumps) {
            Label target = jump.target();
            if (!target.isBound()) {
                throw new IllegalStateException("label '" + target.name + "' is used by the jump at slot "
                        + jump.slot() + " but never bound");
            }
            int distance = target.slot - (jump.slot() + 1);
            if (distance < Short.MIN_VALUE || distance > Short.MAX_VALUE) {
                throw new IllegalStateException("jump at slot " + jump.slot() + " to label '" + target.name
                        + "' spans " + distance + " slots, beyond the 16-bit offset range");
            }
            resolved[jump.slot()] = withOff(resolved[jump.slot()], distance);
        }
        ByteBuffer out = ByteBuffer.allocate(count * SLOT_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
        for (long slot : resolved) {
            out.putLong(slot);
        }
        return out.array();
    }

    // ------------------------------------------------------------------ encoding

    private BpfAssembler jump(int opcode, BpfRegister dst, BpfRegister src, int imm, Label target) {
        checkOwner(target);
        jumps.add(new PendingJump(count, target));
        return emit(opcode, dst, src, 0, imm);
    }

    private BpfAssembler emit(int opcode, BpfRegister dst, BpfRegister src, int off, int imm) {
        return append(encode(opcode, dst.number(), src.number(), off, imm));
    }

    private BpfAssembler append(long slot) {
        if (count == slots.length) {
            slots = Arrays.copyOf(slots, count * 2);
        }
        slots[count++] = slot;
        return this;
    }

    /** Packs one slot so that writing the long little-endian yields the layout of the descriptor. */
    private static long encode(int opcode, int dst, int src, int off, int imm) {
        return (opcode & 0xffL)
                | ((long) ((src << 4) | dst) << 8)
                | ((off & 0xffffL) << 16)
                | ((imm & 0xffff_ffffL) << 32);
    }

    private static long withOff(long slot, int off) {
        return (slot & ~0xffff_0000L) | ((off & 0xffffL) << 16);
    }

    private static int offset(int off) {
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("memory offset " + off + " does not fit 16 bits");
        }
        return off;
    }

    private static int shift(int bits, int max) {
        if (bits < 0 || bits > max) {
            throw new IllegalArgumentException("shift by " + bits + " is outside 0.." + max);
        }
        return bits;
    }

    private static int size(int size) {
        if (size != SIZE_B && size != SIZE_H && size != SIZE_W && size != SIZE_DW) {
            throw new IllegalArgumentException("size bits 0x" + Integer.toHexString(size) + " are not B, H, W or DW");
        }
        return size;
    }

    private void checkOwner(Label label) {
        if (Objects.requireNonNull(label, "label").owner != this) {
            throw new IllegalArgumentException("label '" + label.name + "' belongs to another assembler");
        }
    }
}
