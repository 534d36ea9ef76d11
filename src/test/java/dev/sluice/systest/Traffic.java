package dev.sluice.systest;

import dev.sluice.sys.NetNs;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;

/** Real kernel sockets inside namespaces, on threads that move themselves there. */
final class Traffic {
    private Traffic() {
    }

    /**
     * Sends {@code count} numbered UDP datagrams from a kernel socket in {@code netns}, pacing
     * itself (a pause every {@code burst} datagrams) so that a receiver is not overrun by design.
     * Completes with the number sent.
     */
    static CompletableFuture<Long> sendNumbered(String netns, String dstIp, int dstPort, int count, int payloadSize,
                                                int burst, long pauseNanos) {
        CompletableFuture<Long> done = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (NetNs.Scope ignored = NetNs.enter(netns); DatagramChannel ch = DatagramChannel.open()) {
                ch.connect(new InetSocketAddress(dstIp, dstPort));
                long sent = 0;
                for (int i = 0; i < count; i++) {
                    ch.write(ByteBuffer.wrap(UdpFrames.numbered(i, payloadSize)));
                    sent++;
                    if (burst > 0 && (i + 1) % burst == 0) {
                        LockSupport.parkNanos(pauseNanos);
                    }
                }
                done.complete(sent);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        }, "test-udp-sender-" + netns);
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Opens a UDP socket in {@code netns} connected to {@code ip:port} (the socket stays in that namespace). */
    static DatagramChannel connectUdp(String netns, String ip, int port) throws Exception {
        CompletableFuture<DatagramChannel> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (NetNs.Scope ignored = NetNs.enter(netns)) {
                DatagramChannel ch = DatagramChannel.open();
                ch.connect(new InetSocketAddress(ip, port));
                f.complete(ch);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        t.start();
        return f.get();
    }

    /** Opens a UDP socket bound in {@code netns} (the socket stays in that namespace). */
    static DatagramChannel bindUdp(String netns, String ip, int port) throws Exception {
        CompletableFuture<DatagramChannel> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (NetNs.Scope ignored = NetNs.enter(netns)) {
                DatagramChannel ch = DatagramChannel.open();
                ch.bind(new InetSocketAddress(ip, port));
                f.complete(ch);
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        });
        t.start();
        return f.get();
    }
}
