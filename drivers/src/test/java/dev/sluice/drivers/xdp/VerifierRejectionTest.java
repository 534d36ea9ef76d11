package dev.sluice.drivers.xdp;

import dev.sluice.sys.Bpf;
import dev.sluice.sys.BpfAttrDescriptor;
import dev.sluice.sys.NativeException;
import org.junit.jupiter.api.Test;

import static dev.sluice.drivers.xdp.BpfRegister.R0;
import static dev.sluice.drivers.xdp.BpfRegister.R2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A program the verifier rejects fails with one exception that carries the verifier's own log. */
class VerifierRejectionTest {
    @Test
    void rejectionCarriesTheVerifierLog() {
        // r0 = r2 reads a register nobody wrote: "R2 !read_ok".
        byte[] bad = new BpfAssembler().mov(R0, R2).exit().build();
        assertThatThrownBy(() -> Bpf.progLoad(BpfAttrDescriptor.PROG_TYPE_XDP, bad, XdpPrograms.LICENSE, "sluice_bad", 0))
                .isInstanceOfSatisfying(NativeException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("EACCES");
                    assertThat(e.getMessage()).contains("creating the XDP program 'sluice_bad'")
                            .contains("the verifier said").contains("R2 !read_ok");
                });
    }
}
