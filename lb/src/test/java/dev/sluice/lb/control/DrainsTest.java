package dev.sluice.lb.control;

import dev.sluice.lb.config.LbConfig;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static dev.sluice.lb.control.ReloadPlanTest.RUNNING;
import static dev.sluice.lb.control.ReloadPlanTest.parse;
import static org.assertj.core.api.Assertions.assertThat;

class DrainsTest {
    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static final String SHARED = RUNNING.replace("{address: 10.0.1.21}", "{address: 10.0.1.12}");

    @Test
    void drainsEveryVipHoldingTheAddressAndSaysWhich() throws Exception {
        Drains d = new Drains();
        LbConfig config = parse(SHARED);
        AdminReply r = d.drain(config, ip("10.0.1.12"));
        assertThat(r).isEqualTo(new AdminReply(true, "drained backend 10.0.1.12 in web, dns: no new flows, established ones stay"));
        assertThat(d.contains(ip("10.0.1.12"))).isTrue();
        assertThat(d.drain(config, ip("10.0.1.12"))).isEqualTo(new AdminReply(true, "backend 10.0.1.12 is already drained (web, dns)"));
        assertThat(d.undrain(config, ip("10.0.1.12")))
                .isEqualTo(new AdminReply(true, "undrained backend 10.0.1.12 in web, dns: it takes new flows again"));
        assertThat(d.contains(ip("10.0.1.12"))).isFalse();
        assertThat(d.undrain(config, ip("10.0.1.12"))).isEqualTo(new AdminReply(true, "backend 10.0.1.12 is not drained (web, dns)"));
    }

    @Test
    void anUnknownAddressIsRefusedWithTheKnownOnes() throws Exception {
        Drains d = new Drains();
        AdminReply r = d.drain(parse(RUNNING), ip("10.0.1.99"));
        assertThat(r.ok()).isFalse();
        assertThat(r.message()).isEqualTo("no backend 10.0.1.99 in any VIP (backends: 10.0.1.11, 10.0.1.12, 10.0.1.13, 10.0.1.21)");
        assertThat(d.undrain(parse(RUNNING), ip("10.0.1.99")).ok()).isFalse();
        assertThat(d.addresses()).isEmpty();
    }

    @Test
    void aDrainOutlivesReloadsWhileTheBackendStaysConfigured() throws Exception {
        Drains d = new Drains();
        d.drain(parse(SHARED), ip("10.0.1.12"));
        d.drain(parse(SHARED), ip("10.0.1.13"));
        // 10.0.1.12 leaves web but stays in dns; 10.0.1.13 leaves altogether
        LbConfig next = parse(SHARED.replace("      - {address: 10.0.1.12}\n      - {address: 10.0.1.13}\n", ""));
        assertThat(d.retain(next)).containsExactly(ip("10.0.1.13"));
        assertThat(d.contains(ip("10.0.1.12"))).isTrue();
        assertThat(d.contains(ip("10.0.1.13"))).isFalse();
    }
}
