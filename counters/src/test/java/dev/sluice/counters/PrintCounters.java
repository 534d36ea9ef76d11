package dev.sluice.counters;

/** Prints a counters file's groups, one line per counter; run in a child JVM by {@link CountersFileTest}. */
public final class PrintCounters {
    private PrintCounters() {
    }

    public static void main(String[] args) {
        try (CountersReader r = CountersReader.open(java.nio.file.Path.of(args[0]))) {
            System.out.println("instance " + r.instanceName() + " pid " + r.pid());
            for (CountersReader.Group g : r.snapshot()) {
                for (CountersReader.Counter c : g.counters()) {
                    System.out.println(g + " " + c.name() + " " + c.type() + " " + c.value());
                }
            }
        }
    }
}
