package dev.sluice.drivers.xdp;

import dev.sluice.drivers.xdp.BpfAssembler.Label;
import dev.sluice.sys.Bpf;
import dev.sluice.sys.BpfAttrDescriptor;
import dev.sluice.sys.LibC;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.function.Consumer;

import static dev.sluice.drivers.xdp.BpfRegister.*;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The assembler's instructions executed by the kernel: each case builds a tiny XDP program that
 * leaves a result in r0, loads it (the verifier checks the encoding makes sense) and test-runs it.
 * The program's return value is the low 32 bits of r0.
 */
class BpfAssemblerExecutionTest {
    private static final byte[] FRAME = new byte[64];

    static {
        for (int i = 0; i < FRAME.length; i++) {
            FRAME[i] = (byte) (0xa0 + i);
        }
    }

    @BeforeEach
    void privileged() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
    }

    private static int run(Consumer<BpfAssembler> body) {
        BpfAssembler a = new BpfAssembler();
        body.accept(a);
        a.exit();
        int fd = Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, a.build(), XdpPrograms.LICENSE, "sluice_asm_test", 0);
        try {
            return Bpf.progTestRun(fd, FRAME).retval();
        } finally {
            LibC.close(fd);
        }
    }

    @Test
    void byteSwaps() {
        assertThat(run(a -> a.mov(R0, 0x1234).be16(R0))).isEqualTo(0x3412);
        assertThat(run(a -> a.mov(R0, 0x11223344).be32(R0))).isEqualTo(0x44332211);
        assertThat(run(a -> a.ldImm64(R0, 0x1122334455667788L).be64(R0))).isEqualTo(0x44332211);
        assertThat(run(a -> a.mov(R0, 0x7654321).le16(R0))).isEqualTo(0x4321);
    }

    @Test
    void arithmeticAndLogic() {
        assertThat(run(a -> a.mov(R0, 6).lsh(R0, 4).sub(R0, 1).or(R0, 0x100).and(R0, 0xff).xor(R0, 0x0f)))
                .isEqualTo(0x50);
        assertThat(run(a -> a.mov(R0, 5).neg(R0))).isEqualTo(-5);
        assertThat(run(a -> a.mov(R0, -8).arsh(R0, 1))).isEqualTo(-4);
        assertThat(run(a -> a.mov(R0, -1).rsh(R0, 60))).isEqualTo(0xf);
        assertThat(run(a -> a.mov32(R0, -1).rsh32(R0, 28))).isEqualTo(0xf);
        assertThat(run(a -> a.mov(R1, 3).mov(R0, 40).add(R0, R1).sub32(R0, 1))).isEqualTo(42);
        assertThat(run(a -> a.ldImm64(R0, 0x1_0000_0005L).rsh(R0, 32))).isEqualTo(1);
        assertThat(run(a -> a.ldImm64(R0, 0x1_0000_0005L).mov32(R0, R0))).isEqualTo(5);
    }

    @Test
    void stackStoresAndLoads() {
        assertThat(run(a -> a.stDW(FP, -8, -1).ldxW(R0, FP, -8))).isEqualTo(-1);
        assertThat(run(a -> a.stDW(FP, -8, 0).stB(FP, -7, 0x7f).ldxH(R0, FP, -8))).isEqualTo(0x7f00);
        assertThat(run(a -> a.mov(R1, 0x1234).stDW(FP, -8, 0).stxH(FP, -6, R1).ldxDW(R0, FP, -8).rsh(R0, 16)))
                .isEqualTo(0x1234);
    }

    @Test
    void packetLoadAfterBoundsCheck() {
        assertThat(run(a -> {
            Label shortFrame = a.newLabel("short");
            Label done = a.newLabel("done");
            a.ldxW(R2, R1, XdpMdDescriptor.DATA_OFFSET)
                    .ldxW(R3, R1, XdpMdDescriptor.DATA_END_OFFSET)
                    .mov(R4, R2).add(R4, 14).jgt(R4, R3, shortFrame)
                    .ldxH(R0, R2, 12).be16(R0)
                    .ja(done)
                    .bind(shortFrame).mov(R0, 0)
                    .bind(done);
        })).isEqualTo(((0xa0 + 12) << 8) | (0xa0 + 13));
    }

    @Test
    void jumpsCompareTheRightWidth() {
        // Low halves equal, high halves differ: JMP32 takes the branch, JMP does not.
        assertThat(run(a -> {
            Label taken = a.newLabel("taken");
            a.ldImm64(R1, 0x1_0000_0007L).mov(R0, 0).jmp32(BpfCondition.EQ, R1, 7, taken).mov(R0, 1).bind(taken);
        })).isZero();
        assertThat(run(a -> {
            Label taken = a.newLabel("taken");
            a.ldImm64(R1, 0x1_0000_0007L).mov(R0, 0).jeq(R1, 7, taken).mov(R0, 1).bind(taken);
        })).isEqualTo(1);
        assertThat(run(a -> {
            Label taken = a.newLabel("taken");
            a.mov(R1, -1).mov(R0, 0).jmp(BpfCondition.SLT, R1, 0, taken).mov(R0, 1).bind(taken);
        })).isZero();
        assertThat(run(a -> {
            Label taken = a.newLabel("taken");
            a.mov(R1, -1).mov(R0, 0).jlt(R1, 0x7fffffff, taken).mov(R0, 1).bind(taken);
        })).isEqualTo(1);
    }
}
