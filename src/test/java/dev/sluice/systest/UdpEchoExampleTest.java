package dev.sluice.systest;

import dev.sluice.examples.UdpEcho;
import dev.sluice.sys.NetNs;
import dev.sluice.testing.NetnsPair;
import dev.sluice.testing.Privileged;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's embedding example runs as printed: a kernel socket gets every datagram echoed. */
class UdpEchoExampleTest {
    @Test
    void readmeShowsTheExampleVerbatim() throws Exception {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        String source = Files.readString(root.resolve("src/test/java/dev/sluice/examples/UdpEcho.java"));
        String example = source.substring(source.indexOf("// README:begin\n") + 16, source.indexOf("    // README:end"));
        String readme = Files.readString(root.resolve("README.md"));
        String unindented = example.lines().map(l -> l.startsWith("    ") ? l.substring(4) : l)
                .reduce((a, b) -> a + "\n" + b).orElseThrow();
        assertThat(readme).as("README.md must show UdpEcho.start as compiled").contains(unindented);
    }

    @Test
    void echoesRealDatagrams() throws Exception {
        Privileged.requireNamespaces("runs sockets in network namespaces");
        try (NetnsPair box = NetnsPair.create("echo")) {
            AutoCloseable echo;
            try (NetNs.Scope ignored = NetNs.enter(box.nsA)) {
                echo = UdpEcho.start(box.ifA, InetAddress.getByName(box.ipA));
            }
            try (echo) {
                CompletableFuture<Integer> echoed = new CompletableFuture<>();
                Thread client = new Thread(() -> {
                    try (NetNs.Scope ignored = NetNs.enter(box.nsB); DatagramChannel ch = DatagramChannel.open()) {
                        ch.connect(new InetSocketAddress(box.ipA, 7));
                        ch.configureBlocking(true);
                        ch.socket().setSoTimeout(2000);
                        int ok = 0;
                        ByteBuffer in = ByteBuffer.allocate(2048);
                        for (int i = 0; i < 100; i++) {
                            byte[] msg = ("hello " + i).getBytes(StandardCharsets.UTF_8);
                            ch.write(ByteBuffer.wrap(msg));
                            in.clear();
                            ch.read(in); // the echo comes from ipA:7 to our port: the connected socket accepts it
                            in.flip();
                            byte[] got = new byte[in.remaining()];
                            in.get(got);
                            if (new String(got, StandardCharsets.UTF_8).equals("hello " + i)) {
                                ok++;
                            }
                        }
                        echoed.complete(ok);
                    } catch (Throwable t) {
                        echoed.completeExceptionally(t);
                    }
                });
                client.setDaemon(true);
                client.start();
                assertThat(echoed.get(30, TimeUnit.SECONDS)).isEqualTo(100);
            }
        }
    }
}
