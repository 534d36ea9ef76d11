package dev.sluice.testing;

import dev.sluice.sys.NetNs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Real traffic for tests: a thread that moves itself into a network namespace and sends UDP
 * datagrams from an ordinary kernel socket, as fast as it can, each payload starting with its
 * sequence number, until closed (or until {@code count} were sent). Datagrams the kernel refuses
 * under overload (ENOBUFS) are skipped, not retried.
 */
public final class UdpFlood implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long sent;
    private volatile Throwable failure;

    /**
     * @param payloadBytes UDP payload size, at least 8
     * @param count        datagrams to send, or 0 for as many as possible until closed
     */
    public UdpFlood(String netns, String dstIp, int dstPort, int payloadBytes, long count) {
        thread = new Thread(() -> run(netns, dstIp, dstPort, payloadBytes, count), "test-udp-flood-" + netns);
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
                    sent = n;
                } catch (IOException e) {
                    // ENOBUFS under overload: the kernel dropped it, try the next one.
                    Thread.onSpinWait();
                }
            }
        } catch (Throwable t) {
            failure = t;
        }
    }

    /** Datagrams handed to the kernel so far. */
    public long sent() {
        return sent;
    }

    /** What stopped the sender early, or null. */
    public Throwable failure() {
        return failure;
    }

    public boolean finished() {
        return !thread.isAlive();
    }

    @Override
    public void close() {
        running = false;
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
