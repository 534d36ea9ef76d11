package dev.sluice.drivers.xdp;

import dev.sluice.sys.Netlink;
import dev.sluice.sys.Privileges;
import dev.sluice.testing.Commands;
import dev.sluice.testing.Privileged;
import dev.sluice.testing.VethPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Attaching to a real interface: a veth pair made for each test (unique names, deleted after
 * each test even when it fails, which also removes any program left on it). rtnetlink is the
 * witness of what is attached.
 */
class XdpAttachmentTest {
    private VethPair veth;
    private XdpProgram program;
    private XdpProgram other;

    @BeforeEach
    void setUp() {
        Privileged.require("loads XDP programs", Privileges.CAP_BPF, Privileges.CAP_NET_ADMIN);
        veth = VethPair.create();
        program = XdpPrograms.steering(1, 4);
        other = XdpPrograms.redirectAll(1);
    }

    @AfterEach
    void tearDown() {
        try {
            if (program != null) {
                program.close();
            }
            if (other != null) {
                other.close();
            }
        } finally {
            if (veth != null) {
                veth.close();
            }
        }
    }

    private Netlink.LinkInfo link() {
        return Netlink.link(veth.ifindexA());
    }

    @Test
    void nativeViaLinkAndDetachOnClose() {
        try (XdpAttachment attachment = XdpAttachment.attach(program, veth.a, XdpMode.NATIVE)) {
            assertThat(attachment.mode()).isEqualTo(XdpMode.NATIVE);
            assertThat(attachment.mode()).hasToString("native");
            assertThat(attachment.usesLink()).isTrue();
            assertThat(attachment.mechanism()).isEqualTo(XdpAttachment.Mechanism.BPF_LINK);
            assertThat(link().xdpAttached()).isEqualTo(Netlink.XDP_ATTACHED_DRV);
            assertThat(link().xdpProgId()).isEqualTo(program.id()).isEqualTo(attachment.programId());
        }
        assertThat(link().hasXdpProgram()).isFalse();
    }

    @Test
    void genericViaLinkAndDetachOnClose() {
        try (XdpAttachment attachment = XdpAttachment.attach(program, veth.a, XdpMode.GENERIC)) {
            assertThat(attachment.mode()).isEqualTo(XdpMode.GENERIC);
            assertThat(attachment.mode()).hasToString("generic");
            assertThat(attachment.usesLink()).isTrue();
            assertThat(link().xdpAttached()).isEqualTo(Netlink.XDP_ATTACHED_SKB);
            assertThat(link().xdpProgId()).isEqualTo(program.id());
        }
        assertThat(link().hasXdpProgram()).isFalse();
    }

    @Test
    void autoGetsNativeOnVethAndWorksOnAnUpInterface() {
        veth.up();
        try (XdpAttachment attachment = XdpAttachment.attach(program, veth.a, XdpMode.AUTO)) {
            assertThat(attachment.mode()).isEqualTo(XdpMode.NATIVE);
            assertThat(link().xdpAttached()).isEqualTo(Netlink.XDP_ATTACHED_DRV);
            assertThat(attachment).hasToString(veth.a + ": program " + program.id() + " attached native via bpf_link");
        }
        assertThat(link().hasXdpProgram()).isFalse();
    }

    @Test
    void netlinkAttachmentIsRemovedByClose() {
        for (XdpMode mode : new XdpMode[] {XdpMode.NATIVE, XdpMode.GENERIC}) {
            XdpAttachment attachment = XdpAttachment.attachNetlink(program, veth.a, mode);
            try {
                assertThat(attachment.usesLink()).isFalse();
                assertThat(attachment.mode()).isEqualTo(mode);
                assertThat(link().xdpAttached())
                        .isEqualTo(mode == XdpMode.NATIVE ? Netlink.XDP_ATTACHED_DRV : Netlink.XDP_ATTACHED_SKB);
                assertThat(link().xdpProgId()).isEqualTo(program.id());
            } finally {
                attachment.close();
            }
            assertThat(link().hasXdpProgram()).as("after closing the %s netlink attachment", mode).isFalse();
        }
    }

    @Test
    void theLinkKeepsTheProgramAfterItsFdIsClosed() {
        int id = program.id();
        try (XdpAttachment attachment = XdpAttachment.attach(program, veth.a, XdpMode.NATIVE)) {
            program.close();
            assertThat(link().xdpProgId()).isEqualTo(id);
            attachment.close();
            attachment.close(); // idempotent
            assertThat(link().hasXdpProgram()).isFalse();
        }
    }

    @Test
    void secondAttachIsRefusedWithTheWayOut() {
        try (XdpAttachment first = XdpAttachment.attach(program, veth.a, XdpMode.NATIVE)) {
            for (XdpMode mode : XdpMode.values()) {
                assertThatThrownBy(() -> XdpAttachment.attach(other, veth.a, mode))
                        .isInstanceOf(XdpAttachment.ProgramPresentException.class)
                        .hasMessageStartingWith("interface " + veth.a + " already has an XDP program attached (id " + program.id()
                                + ", mode native) through a bpf_link held by process " + ProcessHandle.current().pid() + " (java ")
                        .hasMessageEndingWith("): stop that process to detach it"
                                + " ('ip link set ... xdp off' cannot remove a program held by a bpf_link)");
            }
            assertThat(link().xdpProgId()).isEqualTo(program.id());
        }
    }

    @Test
    void aGenericProgramOfSomebodyElseNamesXdpgenericOff() {
        try (XdpAttachment first = XdpAttachment.attachNetlink(other, veth.a, XdpMode.GENERIC)) {
            assertThatThrownBy(() -> XdpAttachment.attach(program, veth.a, XdpMode.AUTO))
                    .isInstanceOf(XdpAttachment.ProgramPresentException.class)
                    .hasMessage("interface " + veth.a + " already has an XDP program attached (id " + other.id()
                            + ", mode generic): detach it with 'ip link set dev " + veth.a
                            + " xdpgeneric off', or stop the program that owns it");
        }
        assertThat(link().hasXdpProgram()).isFalse();
    }

    /**
     * A Linux bridge has no driver XDP (no ndo_bpf): native mode is refused by the kernel through
     * both mechanisms, the message lists each attempt and names the way out, and nothing is
     * left attached; AUTO falls back to generic on the same interface.
     */
    @Test
    void aDriverWithoutNativeXdpIsRefusedWithTheWayOut() {
        String bridge = "sxdpbr" + veth.a.substring(4, veth.a.length() - 1);
        Commands.run("ip", "link", "add", bridge, "type", "bridge");
        try {
            assertThatThrownBy(() -> XdpAttachment.attach(program, bridge, XdpMode.NATIVE))
                    .isInstanceOf(XdpAttachment.RefusedException.class)
                    .hasMessage("cannot attach an XDP program to " + bridge + " in mode native:"
                            + "\n  bpf BPF_LINK_CREATE: EOPNOTSUPP"
                            + "\n  netlink RTM_SETLINK IFLA_XDP: EOPNOTSUPP"
                            + "\nthe driver of " + bridge + " may lack native XDP: use XdpMode.GENERIC or AUTO")
                    .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
            assertThat(Netlink.link(dev.sluice.sys.LibC.ifNameToIndex(bridge)).hasXdpProgram()).isFalse();
            try (XdpAttachment generic = XdpAttachment.attach(program, bridge, XdpMode.AUTO)) {
                assertThat(generic.mode()).isEqualTo(XdpMode.GENERIC);
            }
            assertThat(Netlink.link(dev.sluice.sys.LibC.ifNameToIndex(bridge)).hasXdpProgram()).isFalse();
        } finally {
            Commands.run("ip", "link", "del", "dev", bridge);
        }
    }

    @Test
    void unknownInterface() {
        assertThatThrownBy(() -> XdpAttachment.attach(program, "nosuchif0", XdpMode.AUTO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no network interface named nosuchif0 (see 'ip link')");
    }
}
