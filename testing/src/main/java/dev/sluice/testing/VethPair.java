package dev.sluice.testing;

import dev.sluice.sys.LibC;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A veth pair with unique names ({@code sxdp<n>a} / {@code sxdp<n>b}) in the test's own network
 * namespace, for tests that attach programs but send nothing (traffic belongs in a
 * {@link NetnsPair}). Both ends stay down unless asked; {@link #close()} deletes the pair (deleting
 * one end deletes both). Use it in try-with-resources or from @AfterEach so a failing test still
 * cleans up.
 */
public final class VethPair implements AutoCloseable {
    public final String a;
    public final String b;
    private boolean closed;

    private VethPair(String a, String b) {
        this.a = a;
        this.b = b;
    }

    public static VethPair create() {
        String base = "sxdp" + ThreadLocalRandom.current().nextInt(1_000_000);
        VethPair pair = new VethPair(base + "a", base + "b");
        Commands.run("ip", "link", "add", pair.a, "type", "veth", "peer", "name", pair.b);
        return pair;
    }

    public VethPair up() {
        Commands.run("ip", "link", "set", "dev", a, "up");
        Commands.run("ip", "link", "set", "dev", b, "up");
        return this;
    }

    public int ifindexA() {
        return LibC.ifNameToIndex(a);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Commands.run("ip", "link", "del", "dev", a);
        }
    }
}
