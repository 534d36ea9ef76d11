package dev.sluice.cli;

import dev.sluice.sys.LibC;
import dev.sluice.sys.NetNs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Real traffic for {@code sluice demo}: a thread that moves itself into a network namespace and
 * sends UDP datagrams from an ordinary kernel socket, each payload starting with its sequence
 * number. (Tests have their own, {@code dev.sluice.testing.UdpFlood}.)
 */
public final class UdpSender implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long sent;
    private volatile Throwable failure;

    /**
     * @param payloadBytes UDP payload size (18 makes 64-byte Ethernet frames with the FCS left out,
     *                     60 + 4, i.e. the classic "64-byte packet")
     * @param count        datagrams to send, or 0 for as many as possible until closed
     * @param cpu          CPU the sending thread is pinned to (-1: not pinned)
     */
    public UdpSender(String netns, String dstIp, int dstPort, int payloadBytes, long count, int cpu) {
        thread = new Thread(() -> {
            if (cpu >= 0) {
                LibC.pinCurrentThread(cpu);
            }
            run(netns, dstIp, dstPort, payloadBytes, count);
        }, "sluice-udp-sender");
        thread.setDaemon(true);
        thread.start();
    }

    private void run(String netns, String dstIp, int dstPort, int payloadBytes, long count) {
        try (NetNs.Scope ignored = NetNs.enter(netns);
             DatagramChannel ch = DatagramChannel.open()) {
            ch.connect(new InetSocketAddress(dstIp, dstPort));
            ByteBuffer buf = ByteBuffer.allocateDirect(Math.max(8, payloadBytes));
            long n = 0;
            while (running && (count == 0 || n < count)) {
                buf.clear();
                buf.putLong(0, n);
                buf.limit(payloadBytes);
                try {
                    ch.write(buf);
                    n++;
                    if ((n & 255) == 0) {
                        sent = n;
                    }
                } catch (IOException e) {
                    // ENOBUFS under overload: the kernel dropped it, try the next one.
                    Thread.onSpinWait();
                }
            }
            sent = n;
        } catch (Throwable t) {
            failure = t;
        }
    }

    public long sent() {
        return sent;
    }

    public Throwable failure() {
        return failure;
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
