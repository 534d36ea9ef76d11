package dev.sluice.drivers.xdp;

import dev.sluice.drivers.xdp.BpfAssembler.Label;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.function.Consumer;

import static dev.sluice.drivers.xdp.BpfRegister.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Encodings pinned byte for byte: the reference program of afxdp.md and the eBPF ISA (RFC 9669). */
class BpfAssemblerTest {
    /** Hex of one or more slots, written as in afxdp.md: "op regs off(2) imm(4)" per slot. */
    private static String hex(byte[] code) {
        StringBuilder sb = new StringBuilder();
        HexFormat hf = HexFormat.of();
        for (int i = 0; i < code.length; i += 8) {
            if (i > 0) {
                sb.append(" | ");
            }
            sb.append(hf.formatHex(code, i, i + 1)).append(' ')
                    .append(hf.formatHex(code, i + 1, i + 2)).append(' ')
                    .append(hf.formatHex(code, i + 2, i + 4)).append(' ')
                    .append(hf.formatHex(code, i + 4, i + 8));
        }
        return sb.toString();
    }

    private static String one(Consumer<BpfAssembler> emit) {
        BpfAssembler a = new BpfAssembler();
        emit.accept(a);
        return hex(a.build());
    }

    @Test
    void minimalRedirectProgramMatchesTheReferenceBytes() {
        int mapFd = 0x2a;
        byte[] code = new BpfAssembler()
                .ldxW(R2, R1, XdpMdDescriptor.RX_QUEUE_INDEX_OFFSET)
                .ldMapFd(R1, mapFd)
                .mov(R3, XdpAction.PASS)
                .call(BpfHelper.REDIRECT_MAP)
                .exit()
                .build();

        assertThat(code).hasSize(6 * 8);
        assertThat(hex(code)).isEqualTo(String.join(" | ",
                "61 12 1000 00000000",   // r2 = *(u32 *)(r1 + 16)
                "18 11 0000 2a000000",   // r1 = map fd (LD_IMM64, src = BPF_PSEUDO_MAP_FD)
                "00 00 0000 00000000",
                "b7 03 0000 02000000",   // r3 = XDP_PASS
                "85 00 0000 33000000",   // call bpf_redirect_map (51)
                "95 00 0000 00000000")); // exit
    }

    @Test
    void alu64() {
        assertThat(one(a -> a.mov(R1, R2))).isEqualTo("bf 21 0000 00000000");
        assertThat(one(a -> a.mov(R3, 2))).isEqualTo("b7 03 0000 02000000");
        assertThat(one(a -> a.mov(R0, -1))).isEqualTo("b7 00 0000 ffffffff");
        assertThat(one(a -> a.add(R4, 14))).isEqualTo("07 04 0000 0e000000");
        assertThat(one(a -> a.add(R2, R5))).isEqualTo("0f 52 0000 00000000");
        assertThat(one(a -> a.sub(R1, 1))).isEqualTo("17 01 0000 01000000");
        assertThat(one(a -> a.sub(R1, R2))).isEqualTo("1f 21 0000 00000000");
        assertThat(one(a -> a.and(R5, 0x0f))).isEqualTo("57 05 0000 0f000000");
        assertThat(one(a -> a.and(R5, R6))).isEqualTo("5f 65 0000 00000000");
        assertThat(one(a -> a.or(R1, 0x100))).isEqualTo("47 01 0000 00010000");
        assertThat(one(a -> a.or(R1, R2))).isEqualTo("4f 21 0000 00000000");
        assertThat(one(a -> a.xor(R1, R1))).isEqualTo("af 11 0000 00000000");
        assertThat(one(a -> a.lsh(R5, 2))).isEqualTo("67 05 0000 02000000");
        assertThat(one(a -> a.lsh(R5, R1))).isEqualTo("6f 15 0000 00000000");
        assertThat(one(a -> a.rsh(R4, 4))).isEqualTo("77 04 0000 04000000");
        assertThat(one(a -> a.rsh(R4, R1))).isEqualTo("7f 14 0000 00000000");
        assertThat(one(a -> a.arsh(R1, 3))).isEqualTo("c7 01 0000 03000000");
        assertThat(one(a -> a.arsh(R1, R2))).isEqualTo("cf 21 0000 00000000");
        assertThat(one(a -> a.neg(R1))).isEqualTo("87 01 0000 00000000");
    }

    @Test
    void alu32() {
        assertThat(one(a -> a.mov32(R1, R2))).isEqualTo("bc 21 0000 00000000");
        assertThat(one(a -> a.mov32(R1, 5))).isEqualTo("b4 01 0000 05000000");
        assertThat(one(a -> a.add32(R1, -1))).isEqualTo("04 01 0000 ffffffff");
        assertThat(one(a -> a.add32(R1, R2))).isEqualTo("0c 21 0000 00000000");
        assertThat(one(a -> a.sub32(R1, 7))).isEqualTo("14 01 0000 07000000");
        assertThat(one(a -> a.and32(R1, 0xff))).isEqualTo("54 01 0000 ff000000");
        assertThat(one(a -> a.or32(R1, R2))).isEqualTo("4c 21 0000 00000000");
        assertThat(one(a -> a.lsh32(R1, 31))).isEqualTo("64 01 0000 1f000000");
        assertThat(one(a -> a.rsh32(R1, 8))).isEqualTo("74 01 0000 08000000");
        assertThat(one(a -> a.arsh32(R1, 8))).isEqualTo("c4 01 0000 08000000");
        assertThat(one(a -> a.neg32(R1))).isEqualTo("84 01 0000 00000000");
    }

    @Test
    void byteSwaps() {
        assertThat(one(a -> a.be16(R5))).isEqualTo("dc 05 0000 10000000");
        assertThat(one(a -> a.be32(R5))).isEqualTo("dc 05 0000 20000000");
        assertThat(one(a -> a.be64(R5))).isEqualTo("dc 05 0000 40000000");
        assertThat(one(a -> a.le16(R5))).isEqualTo("d4 05 0000 10000000");
        assertThat(one(a -> a.le32(R5))).isEqualTo("d4 05 0000 20000000");
        assertThat(one(a -> a.le64(R5))).isEqualTo("d4 05 0000 40000000");
    }

    @Test
    void loadsAndStores() {
        assertThat(one(a -> a.ldxB(R5, R2, 0))).isEqualTo("71 25 0000 00000000");
        assertThat(one(a -> a.ldxH(R5, R2, 12))).isEqualTo("69 25 0c00 00000000");
        assertThat(one(a -> a.ldxW(R2, R1, 16))).isEqualTo("61 12 1000 00000000");
        assertThat(one(a -> a.ldxDW(R4, R2, 24))).isEqualTo("79 24 1800 00000000");
        assertThat(one(a -> a.stxB(FP, -7, R7))).isEqualTo("73 7a f9ff 00000000");
        assertThat(one(a -> a.stxH(FP, -6, R4))).isEqualTo("6b 4a faff 00000000");
        assertThat(one(a -> a.stxW(FP, -24, R4))).isEqualTo("63 4a e8ff 00000000");
        assertThat(one(a -> a.stxDW(R0, 0, R1))).isEqualTo("7b 10 0000 00000000");
        assertThat(one(a -> a.stB(FP, -8, 4))).isEqualTo("72 0a f8ff 04000000");
        assertThat(one(a -> a.stH(FP, -6, 0))).isEqualTo("6a 0a faff 00000000");
        assertThat(one(a -> a.stW(FP, -8, 0x11223344))).isEqualTo("62 0a f8ff 44332211");
        assertThat(one(a -> a.stDW(FP, -24, -1))).isEqualTo("7a 0a e8ff ffffffff");
    }

    @Test
    void ldImm64TakesTwoSlotsWithTheHighHalfInTheSecond() {
        assertThat(one(a -> a.ldImm64(R1, 0x1122334455667788L)))
                .isEqualTo("18 01 0000 88776655 | 00 00 0000 44332211");
        assertThat(one(a -> a.ldMapFd(R1, 3)))
                .isEqualTo("18 11 0000 03000000 | 00 00 0000 00000000");
        BpfAssembler a = new BpfAssembler().ldImm64(R0, 1);
        assertThat(a.slotCount()).isEqualTo(2);
    }

    @Test
    void conditionalJumpsEncodeConditionSourceAndClass() {
        assertThat(jumpOver(a -> l -> a.jeq(R5, 0x800, l))).startsWith("15 05 0100 00080000");
        assertThat(jumpOver(a -> l -> a.jeq(R5, R6, l))).startsWith("1d 65 0100 00000000");
        assertThat(jumpOver(a -> l -> a.jne(R0, 0, l))).startsWith("55 00 0100 00000000");
        assertThat(jumpOver(a -> l -> a.jgt(R4, R3, l))).startsWith("2d 34 0100 00000000");
        assertThat(jumpOver(a -> l -> a.jgt(R4, 9, l))).startsWith("25 04 0100 09000000");
        assertThat(jumpOver(a -> l -> a.jge(R4, 9, l))).startsWith("35 04 0100 09000000");
        assertThat(jumpOver(a -> l -> a.jlt(R5, 5, l))).startsWith("a5 05 0100 05000000");
        assertThat(jumpOver(a -> l -> a.jle(R5, 5, l))).startsWith("b5 05 0100 05000000");
        assertThat(jumpOver(a -> l -> a.jset(R5, 1, l))).startsWith("45 05 0100 01000000");
        assertThat(jumpOver(a -> l -> a.jmp(BpfCondition.SGT, R1, -1, l))).startsWith("65 01 0100 ffffffff");
        assertThat(jumpOver(a -> l -> a.jmp(BpfCondition.SGE, R1, 0, l))).startsWith("75 01 0100 00000000");
        assertThat(jumpOver(a -> l -> a.jmp(BpfCondition.SLT, R1, 0, l))).startsWith("c5 01 0100 00000000");
        assertThat(jumpOver(a -> l -> a.jmp(BpfCondition.SLE, R1, R2, l))).startsWith("dd 21 0100 00000000");
        assertThat(jumpOver(a -> l -> a.jmp32(BpfCondition.EQ, R1, 7, l))).startsWith("16 01 0100 07000000");
        assertThat(jumpOver(a -> l -> a.jmp32(BpfCondition.NE, R1, R2, l))).startsWith("5e 21 0100 00000000");
        assertThat(jumpOver(a -> l -> a.ja(l))).startsWith("05 00 0100 00000000");
    }

    /** Emits the jump, one instruction to skip, then binds the label: the offset must be 1. */
    private static String jumpOver(java.util.function.Function<BpfAssembler, Consumer<Label>> jump) {
        BpfAssembler a = new BpfAssembler();
        Label l = a.newLabel("target");
        jump.apply(a).accept(l);
        a.mov(R0, 0).bind(l).exit();
        return hex(a.build());
    }

    @Test
    void callAndExit() {
        assertThat(one(a -> a.call(BpfHelper.MAP_LOOKUP_ELEM))).isEqualTo("85 00 0000 01000000");
        assertThat(one(a -> a.call(BpfHelper.REDIRECT_MAP))).isEqualTo("85 00 0000 33000000");
        assertThat(one(BpfAssembler::exit)).isEqualTo("95 00 0000 00000000");
    }

    @Test
    void jumpOffsetsCountSlotsFromTheNextOneAndSkipLdImm64AsTwo() {
        BpfAssembler a = new BpfAssembler();
        Label forward = a.newLabel("forward");
        Label back = a.newLabel("back");
        a.bind(back)                 // slot 0
                .jeq(R1, 0, forward) // slot 0 -> 4: offset 3
                .ldImm64(R2, 1)      // slots 1, 2
                .ja(back)            // slot 3 -> 0: offset -4
                .bind(forward)
                .exit();             // slot 4
        String code = hex(a.build());
        assertThat(code.split(" \\| ")[0]).isEqualTo("15 01 0300 00000000");
        assertThat(code.split(" \\| ")[3]).isEqualTo("05 00 fcff 00000000");
    }

    @Test
    void unboundLabelFailsTheBuildNamingTheLabel() {
        BpfAssembler a = new BpfAssembler();
        Label nowhere = a.newLabel("nowhere");
        a.ja(nowhere).exit();
        assertThatThrownBy(a::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'nowhere'").hasMessageContaining("never bound");
    }

    @Test
    void jumpBeyondSixteenBitsFailsTheBuild() {
        BpfAssembler a = new BpfAssembler();
        Label far = a.newLabel("far");
        a.ja(far);
        for (int i = 0; i < Short.MAX_VALUE; i++) {
            a.mov(R0, 0);
        }
        a.bind(far).exit();
        assertThat(a.build()).hasSize((Short.MAX_VALUE + 2) * 8); // 32767 slots away: still fits

        BpfAssembler b = new BpfAssembler();
        Label tooFar = b.newLabel("too_far");
        b.ja(tooFar);
        for (int i = 0; i < Short.MAX_VALUE + 1; i++) {
            b.mov(R0, 0);
        }
        b.bind(tooFar).exit();
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'too_far'").hasMessageContaining("16-bit");
    }

    @Test
    void labelMisuseIsRejected() {
        BpfAssembler a = new BpfAssembler();
        Label l = a.newLabel("twice");
        a.bind(l);
        assertThatThrownBy(() -> a.bind(l)).isInstanceOf(IllegalStateException.class).hasMessageContaining("already bound");
        Label foreign = new BpfAssembler().newLabel("foreign");
        assertThatThrownBy(() -> a.ja(foreign)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("another assembler");
    }

    @Test
    void operandRangesAreChecked() {
        BpfAssembler a = new BpfAssembler();
        assertThatThrownBy(() -> a.lsh(R1, 64)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.lsh32(R1, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.ldxW(R1, R2, 40000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.ldx(0x20, R1, R2, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> a.ldMapFd(R1, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(a.slotCount()).isZero();
    }
}
