package dev.sluice.drivers.xdp;

import dev.sluice.counters.CountersFile;
import dev.sluice.counters.CountersReader;
import dev.sluice.counters.Labels;
import dev.sluice.sys.Bpf;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.sluice.drivers.xdp.TestFrame.ip;
import static org.assertj.core.api.Assertions.assertThat;

/** A steering program's verdict counters, run by the kernel (BPF_PROG_TEST_RUN), as a group "xdp" of the counters file. */
class XdpProgramCountersTest {
    @TempDir
    Path dir;

    @BeforeEach
    void privileged() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
    }

    @Test
    void theProgramsVerdictCountersAreCopiedIntoAGroupOfTheFile() {
        try (XdpProgram program = XdpPrograms.steering(1, 16);
             CountersFile file = CountersFile.create(dir, "xdp", "test", 8)) {
            program.addRule(SteeringRule.udp(ip("10.1.0.1"), 5000));
            XdpProgramCounters counters = XdpProgramCounters.allocate(file, program, "eth7");
            Bpf.progTestRun(program.fd(), TestFrame.ipv4("10.1.0.1").udp(5000).build()); // matches, no socket: passed
            Bpf.progTestRun(program.fd(), TestFrame.ipv4("10.1.0.2").udp(5000).build()); // no rule
            Bpf.progTestRun(program.fd(), TestFrame.ipv4("10.1.0.2").udp(5000).build());
            Bpf.progTestRun(program.fd(), TestFrame.arp().build());
            try (CountersReader r = file.reader()) {
                assertThat(r.snapshot().getFirst().value("not_matched")).as("nothing copied before update()").isZero();
                assertThat(counters.update()).contains(new XdpCounters(0, 1, 2, 1, 0));
                CountersReader.Group g = r.snapshot().getFirst();
                assertThat(g.kind()).isEqualTo("xdp");
                assertThat(g.labels()).isEqualTo(Labels.of("iface", "eth7"));
                assertThat(g.counters()).extracting(CountersReader.Counter::name)
                        .containsExactly("redirected", "no_socket", "not_matched", "not_ip", "malformed");
                assertThat(g.counters()).extracting(CountersReader.Counter::value).containsExactly(0L, 1L, 2L, 1L, 0L);
            }
        }
    }
}
