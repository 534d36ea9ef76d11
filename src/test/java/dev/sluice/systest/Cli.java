package dev.sluice.systest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the sluice command line in a separate JVM, optionally inside a namespace, as a user would. */
final class Cli {
    record Result(int exit, String out, String err) {
    }

    private Cli() {
    }

    /** The command: [prefix...] java --enable-native-access ... -cp CP dev.sluice.cli.Main args... */
    static List<String> command(List<String> prefix, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.sluice.cli.Main");
        cmd.addAll(List.of(args));
        return cmd;
    }

    static List<String> inNetns(String netns) {
        return List.of("ip", "netns", "exec", netns);
    }

    static Result run(List<String> prefix, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile("sluice-cli", ".out");
        Path err = Files.createTempFile("sluice-cli", ".err");
        try {
            Process p = new ProcessBuilder(command(prefix, args)).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("sluice " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
