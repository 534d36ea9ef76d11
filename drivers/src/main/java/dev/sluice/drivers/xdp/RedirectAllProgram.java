package dev.sluice.drivers.xdp;

import static dev.sluice.drivers.xdp.BpfRegister.R1;
import static dev.sluice.drivers.xdp.BpfRegister.R2;
import static dev.sluice.drivers.xdp.BpfRegister.R3;

/**
 * Bytecode of the minimal redirect program: every frame of a queue goes to the AF_XDP socket in
 * the queue's XSKMAP slot, or to the kernel (XDP_PASS) while the slot is empty.
 *
 * <pre>
 * r2 = *(u32 *)(r1 + 16)     ctx->rx_queue_index
 * r1 = &amp;xskmap               LD_IMM64 with BPF_PSEUDO_MAP_FD, two slots
 * r3 = XDP_PASS              the action when the slot is empty
 * call bpf_redirect_map
 * exit
 * </pre>
 *
 * It takes ARP and everything else too: the host loses the interface while it is attached. A
 * program that shares the interface with the host is the {@link SteeringProgram}.
 */
public final class RedirectAllProgram {
    public static final String NAME = "sluice_redirect";

    private RedirectAllProgram() {
    }

    public static byte[] emit(int xskMapFd) {
        return new BpfAssembler()
                .ldxW(R2, R1, XdpMdDescriptor.RX_QUEUE_INDEX_OFFSET)
                .ldMapFd(R1, xskMapFd)
                .mov(R3, XdpAction.PASS)
                .call(BpfHelper.REDIRECT_MAP)
                .exit()
                .build();
    }
}
