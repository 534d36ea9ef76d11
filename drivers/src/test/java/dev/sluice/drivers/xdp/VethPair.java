package dev.sluice.drivers.xdp;

import dev.sluice.sys.LibC;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A veth pair with unique names ({@code sxdp<n>a} / {@code sxdp<n>b}) in the test's network
 * namespace, made with iproute2. The JVM cannot move a thread into another namespace cheaply, so
 * the pair lives in the current one; nothing is sent over it (attach tests only), both ends stay
 * down unless asked, and {@link #close()} deletes it (deleting one end deletes both). Use in
 * try-with-resources or from @AfterEach so a failing test still cleans up.
 */
final class VethPair implements AutoCloseable {
    final String a;
    final String b;
    private boolean closed;

    private VethPair(String a, String b) {
        this.a = a;
        this.b = b;
    }

    static VethPair create() {
        int n = ThreadLocalRandom.current().nextInt(1_000_000);
        String base = "sxdp" + n;
        VethPair pair = new VethPair(base + "a", base + "b");
        ip("link", "add", pair.a, "type", "veth", "peer", "name", pair.b);
        return pair;
    }

    VethPair up() {
        ip("link", "set", "dev", a, "up");
        ip("link", "set", "dev", b, "up");
        return this;
    }

    int ifindexA() {
        return LibC.ifNameToIndex(a);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            ip("link", "del", "dev", a);
        }
    }

    /** Runs {@code ip args...}; fails with its output when it exits non-zero. */
    static String ip(String... args) {
        List<String> command = new java.util.ArrayList<>();
        command.add("ip");
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " timed out");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command) + " (is iproute2 installed?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + String.join(" ", command), e);
        }
    }
}
