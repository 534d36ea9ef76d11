package dev.sluice.systest;

import dev.sluice.drivers.Port;
import dev.sluice.testing.Await;
import dev.sluice.testing.NetnsPair;
import dev.sluice.umem.Packet;
import dev.sluice.umem.PacketBatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.BitSet;

/**
 * Bookkeeping of numbered datagrams (payloads from {@link UdpFrames#numbered}) on either side of a
 * port: which sequence numbers arrived, which twice, which damaged, which were someone else's.
 */
final class NumberedDatagrams {
    final int count;
    final int port;
    final int payload;
    final BitSet seen;
    int duplicates;
    int corrupt;
    int foreign;

    NumberedDatagrams(int count, int port, int payload) {
        this.count = count;
        this.port = port;
        this.payload = payload;
        this.seen = new BitSet(count);
    }

    /**
     * Sends all {@link #count} numbered datagrams from {@code box}'s A side to {@code receiver} on
     * its B side through {@code tx}, 32 per burst, calling {@code drainTx} after each burst and
     * reading the receiver as it goes (its socket buffer holds only a few hundred small datagrams).
     * Returns what {@code transmit} accepted.
     */
    int send(Port tx, Runnable drainTx, NetnsPair box, DatagramChannel receiver) throws Exception {
        long macA = UdpFrames.mac(box.macA());
        long macB = UdpFrames.mac(box.macB());
        PacketBatch batch = tx.newBatch(64);
        receiver.configureBlocking(false);
        int sent = 0;
        int seq = 0;
        while (seq < count) {
            int n = tx.allocate(batch, Math.min(32, count - seq), 0);
            for (int i = 0; i < n; i++) {
                UdpFrames.write(batch.packet(i), macA, macB, UdpFrames.ipv4(box.ipA), UdpFrames.ipv4(box.ipB),
                        40000, port, UdpFrames.numbered(seq++, payload));
            }
            sent += tx.transmit(batch);
            drainTx.run();
            drain(receiver, 0);
        }
        return sent;
    }

    int distinct() {
        return seen.cardinality();
    }

    boolean complete() {
        return seen.cardinality() == count;
    }

    /** Records a frame received by a port: ours if it is UDP to {@code dstIp}:port. */
    void record(Packet p, String dstIp) {
        int ip = UdpFrames.ETH;
        boolean ours = p.length() >= UdpFrames.HEADERS && p.getShort(12) == 0x0800 && p.getByte(ip + 9) == 17
                && p.getInt(ip + 16) == UdpFrames.ipv4(dstIp) && p.getShort(ip + 20 + 2) == port;
        if (!ours) {
            foreign++;
            return;
        }
        byte[] all = p.toArray();
        record(Arrays.copyOfRange(all, UdpFrames.HEADERS, all.length));
    }

    /** Records a datagram payload. */
    void record(byte[] data) {
        long seq = data.length == payload ? UdpFrames.sequence(data) : -1;
        if (seq < 0 || seq >= count) {
            corrupt++;
        } else if (seen.get((int) seq)) {
            duplicates++;
        } else {
            seen.set((int) seq);
        }
    }

    /** Reads a kernel socket until nothing is pending (or, with a wait, until all arrived or it passed). */
    void drain(DatagramChannel receiver, long waitMillis) throws Exception {
        ByteBuffer buf = ByteBuffer.allocate(2048);
        Await.holdsWithin(() -> {
            try {
                for (buf.clear(); receiver.receive(buf) != null; buf.clear()) {
                    buf.flip();
                    byte[] data = new byte[buf.remaining()];
                    buf.get(data);
                    record(data);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return complete();
        }, Duration.ofMillis(waitMillis));
    }
}
