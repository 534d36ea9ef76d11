package dev.sluice.drivers.xdp;

import dev.sluice.sys.Netlink;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Await;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.VethPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What XdpAttachment's javadoc promises about kill -9: a child JVM attaches and is killed with
 * SIGKILL before it can close anything. The bpf_link goes with the process; the netlink
 * attachment stays on the interface (the veth's deletion removes it here). While the child holds its
 * link, a second attachment is refused naming the child.
 */
class XdpAttachmentCrashTest {
    private VethPair veth;

    @BeforeEach
    void setUp() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
        veth = VethPair.create();
    }

    @AfterEach
    void tearDown() {
        if (veth != null) {
            veth.close();
        }
    }

    @Test
    void aLinkDiesWithItsProcess() throws Exception {
        int id = attachInChildAndKill("link");
        assertThat(eventuallyDetached()).as("program %d still attached after kill -9", id).isTrue();
    }

    @Test
    void aNetlinkAttachmentOutlivesItsProcess() throws Exception {
        int id = attachInChildAndKill("netlink");
        // The child is reaped: its files (the program fd) were closed before it could be, so an
        // attachment that depended on them would be gone by now.
        Netlink.LinkInfo info = Netlink.link(veth.ifindexA());
        assertThat(info.hasXdpProgram()).isTrue();
        assertThat(info.xdpProgId()).isEqualTo(id);
    }

    /**
     * Two attachments from two processes: the second is refused with a message naming the process
     * that holds the first one's bpf_link (the only way to detach it), not 'ip link ... xdp off'.
     */
    @Test
    void aSecondAttachNamesTheProcessHoldingTheLink() throws Exception {
        Process child = startAttachAndHold("link");
        try {
            int id = attachedProgramId(child);
            try (XdpProgram mine = XdpPrograms.redirectAll(1)) {
                assertThatThrownBy(() -> XdpAttachment.attach(mine, veth.a, XdpMode.AUTO))
                        .isInstanceOf(XdpAttachment.ProgramPresentException.class)
                        .hasMessage("interface " + veth.a + " already has an XDP program attached (id " + id + ", mode native)"
                                + " through a bpf_link held by process " + child.pid() + " (java " + AttachAndHold.class.getName()
                                + " " + veth.a + " link): stop that process to detach it"
                                + " ('ip link set ... xdp off' cannot remove a program held by a bpf_link)");
            }
        } finally {
            child.destroyForcibly();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(eventuallyDetached()).as("the program detached with the process named").isTrue();
    }

    private Process startAttachAndHold(String mechanism) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), AttachAndHold.class.getName(), veth.a, mechanism)
                .redirectErrorStream(true).start();
    }

    /** Waits for the child's ATTACHED line; the program id it printed. */
    private int attachedProgramId(Process child) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("ATTACHED ")) {
                int id = Integer.parseInt(line.substring("ATTACHED ".length()).trim());
                assertThat(Netlink.link(veth.ifindexA()).xdpProgId()).isEqualTo(id);
                return id;
            }
            seen.append(line).append('\n');
        }
        throw new AssertionError("child exited without attaching:\n" + seen);
    }

    private int attachInChildAndKill(String mechanism) throws Exception {
        Process child = startAttachAndHold(mechanism);
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ATTACHED ")) {
                    int id = Integer.parseInt(line.substring("ATTACHED ".length()).trim());
                    assertThat(Netlink.link(veth.ifindexA()).xdpProgId()).isEqualTo(id);
                    return id;
                }
                seen.append(line).append('\n');
            }
            throw new AssertionError("child exited without attaching:\n" + seen);
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hooks, no close()
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** The kernel releases a dead process's files right away, the link a moment later at most. */
    private boolean eventuallyDetached() {
        return Await.holdsWithin(() -> !Netlink.link(veth.ifindexA()).hasXdpProgram(), Duration.ofSeconds(30));
    }
}
