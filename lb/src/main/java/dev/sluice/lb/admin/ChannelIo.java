package dev.sluice.lb.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Reads and writes on a non-blocking socket channel with a deadline, so that a peer that stops
 * reading or writing holds a connection thread no longer than that. One instance per connection;
 * it owns the channel's selector.
 */
final class ChannelIo implements AutoCloseable {
    /** The deadline passed before the peer sent or took everything. */
    static final class TimeoutException extends IOException {
        TimeoutException(String message) {
            super(message);
        }
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;

    ChannelIo(SocketChannel channel) throws IOException {
        this.channel = channel;
        channel.configureBlocking(false);
        selector = Selector.open();
        key = channel.register(selector, 0);
    }

    /**
     * Reads until {@code complete} says how many bytes make a whole message, the peer closes
     * (end of stream), {@code limit} bytes arrived, or the deadline passes.
     *
     * @return the bytes read: whole when {@code complete} found an end, else what came before
     *         the end of stream or the limit (the caller tells which by the length)
     */
    byte[] read(int limit, long deadlineNanos, MessageEnd complete) throws IOException {
        byte[] bytes = new byte[Math.min(limit + 1, 4096)];
        int length = 0;
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (true) {
            int n = channel.read(buffer);
            if (n < 0) {
                return Arrays.copyOf(bytes, length);
            }
            if (n > 0) {
                length += n;
                int end = complete.end(bytes, length);
                if (end >= 0) {
                    return Arrays.copyOf(bytes, end);
                }
                if (length > limit) {
                    return Arrays.copyOf(bytes, length);
                }
                if (!buffer.hasRemaining()) {
                    bytes = Arrays.copyOf(bytes, Math.min(bytes.length * 2, limit + 1));
                    buffer = ByteBuffer.wrap(bytes).position(length);
                }
                continue;
            }
            await(SelectionKey.OP_READ, deadlineNanos, length);
        }
    }

    /** Writes all of {@code bytes} before the deadline. */
    void write(byte[] bytes, long deadlineNanos) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        while (buffer.hasRemaining()) {
            if (channel.write(buffer) == 0) {
                await(SelectionKey.OP_WRITE, deadlineNanos, buffer.position());
            }
        }
    }

    /**
     * Ends a reply: closes the sending half, then reads and discards what the peer still sends
     * until it closes (at most {@code limit} bytes, before the deadline). A Unix socket closed with
     * unread bytes resets its peer, whose reply would then be lost unread; a peer that reads the
     * reply to its end and closes takes no longer than that.
     */
    void finish(int limit, long deadlineNanos) throws IOException {
        channel.shutdownOutput();
        ByteBuffer sink = ByteBuffer.allocate(Math.min(limit, 4096));
        int discarded = 0;
        while (discarded <= limit) {
            sink.clear();
            int n = channel.read(sink);
            if (n < 0) {
                return;
            }
            discarded += n;
            if (n == 0) {
                await(SelectionKey.OP_READ, deadlineNanos, discarded);
            }
        }
    }

    private void await(int operation, long deadlineNanos, int done) throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new TimeoutException((operation == SelectionKey.OP_READ ? "read " : "wrote ") + done + " bytes");
        }
        key.interestOps(operation);
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        selector.selectedKeys().clear();
    }

    /** Where a message ends in the bytes read so far ({@code -1}: not yet). */
    @FunctionalInterface
    interface MessageEnd {
        int end(byte[] bytes, int length);

        MessageEnd END_OF_STREAM = (bytes, length) -> -1;
    }

    @Override
    public void close() throws IOException {
        selector.close();
    }
}
