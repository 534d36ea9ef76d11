package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.pipeline.handlers.ForwardMode;
import dev.sluice.umem.UmemConfig;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code sluice demo --udp}: a sandbox (two network namespaces joined by a veth pair), real UDP
 * traffic from a kernel socket on one side, received through an AF_XDP port on the other, live
 * rates, a summary, and the sandbox removed again.
 */
final class UdpDemo {
    private UdpDemo() {
    }

    /**
     * @param payload UDP payload bytes of the frames of {@code --size}
     */
    static int run(double duration, String mode, int payload) {
        CountDownLatch cleanedUp = new CountDownLatch(1);
        ForwardSession[] session = new ForwardSession[1];
        Thread hook = new Thread(() -> {
            if (session[0] != null) {
                session[0].requestStop();
            }
            try {
                cleanedUp.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "sluice-demo-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Sandbox box = Sandbox.create("demo", 1)) {
            box.staticNeighbours();
            System.out.printf("sandbox: %s (%s %s) <-veth-> %s (%s %s); UDP from %s to %s:9%n",
                    box.nsB, box.ifB, box.ipB, box.nsA, box.ifA, box.ipA, box.ipB, box.ipA);
            CpuSet cpus = CpuSet.allowed(); // pinning to a CPU outside it fails (taskset, cgroup cpusets)
            ForwardSession.Settings settings = new ForwardSession.Settings(box.ifA, new int[] {0}, ForwardMode.parse(mode),
                    AfXdpOptions.defaults(), UmemConfig.defaults(), 64, cpus.size() > 1 ? new int[] {cpus.last()} : null, 1500, box.nsA);
            session[0] = new ForwardSession(settings, System.out);
            UdpSender[] sender = new UdpSender[1];
            try {
                Map<String, String> summary;
                // The sender starts once the port is attached: the first live line has traffic.
                summary = session[0].run(duration, () -> {
                    if (sender[0] == null) {
                        // Sender (and the kernel work it drives) on the first allowed CPU, the AF_XDP poller alone on the last.
                        sender[0] = new UdpSender(box.nsB, box.ipA, 9, payload, 0, cpus.size() > 1 ? cpus.first() : -1);
                    }
                    return false;
                });
                if (sender[0] != null) {
                    sender[0].close();
                    Throwable f = sender[0].failure();
                    System.out.printf("demo: the kernel socket in %s sent %s datagrams, the AF_XDP port received %s%s%n",
                            box.nsB, RateReport.group(sender[0].sent()), RateReport.group(Long.parseLong(summary.get("rx_packets"))),
                            f == null ? "" : " (sender failed: " + f + ")");
                }
            } finally {
                if (sender[0] != null) {
                    sender[0].close();
                }
            }
        } finally {
            cleanedUp.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook waits for cleanedUp, which is now counted down.
            }
        }
        System.out.println("demo: sandbox removed");
        return 0;
    }
}
