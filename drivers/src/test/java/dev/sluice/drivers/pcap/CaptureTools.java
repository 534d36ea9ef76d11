package dev.sluice.drivers.pcap;

import dev.sluice.testing.Privileged;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Wireshark command-line tools (text2pcap, editcap, mergecap, capinfos, tshark) as test
 * oracles: they make captures the way real users get them, and tell what is in a capture
 * independently of our reader.
 */
final class CaptureTools {
    /** text2pcap regex mode: one packet per line, "{@code <seconds>.<fraction> <hex>}". */
    static final String HEX_LINE = "^(?<time>[0-9]+\\.[0-9]+) (?<data>[0-9a-fA-F]+)$";

    record Result(int exit, String out, String err) {
    }

    /** One packet as tshark reports it. */
    record Frame(long timestampNanos, int length, int capturedLength, int encapsulation, byte[] data) {
    }

    private CaptureTools() {
    }

    static Result exec(String... command) {
        Privileged.requireTool(command[0], "checks captures with the Wireshark command-line tools");
        try {
            Path err = Files.createTempFile("sluice-tool", ".err");
            try {
                Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(120, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError("timed out: " + String.join(" ", command));
                }
                return new Result(p.exitValue(), out, Files.readString(err));
            } finally {
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Runs a tool that must succeed; returns its standard output. */
    static String run(String... command) {
        Result r = exec(command);
        if (r.exit() != 0) {
            throw new AssertionError(String.join(" ", command) + " exited with " + r.exit() + ":\n" + r.err());
        }
        return r.out();
    }

    /** tshark's complaints, without the warning it prints when run as root. */
    static String complaints(String stderr) {
        StringBuilder b = new StringBuilder();
        for (String line : stderr.split("\n")) {
            if (!line.isBlank() && !line.startsWith("Running as user")) {
                b.append(line).append('\n');
            }
        }
        return b.toString();
    }

    /**
     * Writes a text2pcap input: one line per frame, with its timestamp in nanoseconds.
     */
    static Path hexDump(Path file, List<byte[]> frames, long[] timestampNanos) throws IOException {
        StringBuilder b = new StringBuilder();
        HexFormat hex = HexFormat.of();
        for (int i = 0; i < frames.size(); i++) {
            long ts = timestampNanos[i];
            b.append(ts / 1_000_000_000L).append('.').append(String.format("%09d", ts % 1_000_000_000L)).append(' ')
                    .append(hex.formatHex(frames.get(i))).append('\n');
        }
        Files.writeString(file, b);
        return file;
    }

    /** text2pcap from a hex dump made by {@link #hexDump}; {@code format}: pcap, nsecpcap, pcapng. */
    static Path text2pcap(Path dump, Path out, String format, String... more) {
        List<String> cmd = new ArrayList<>(List.of("text2pcap", "-q", "-F", format, "-r", HEX_LINE, "-t", "%s.%f"));
        cmd.addAll(List.of(more));
        cmd.add(dump.toString());
        cmd.add(out.toString());
        run(cmd.toArray(String[]::new));
        return out;
    }

    static Path editcap(Path in, Path out, String... options) {
        List<String> cmd = new ArrayList<>(List.of("editcap"));
        cmd.addAll(List.of(options));
        cmd.add(in.toString());
        cmd.add(out.toString());
        run(cmd.toArray(String[]::new));
        return out;
    }

    /** Every packet of {@code file} as tshark reads it; fails if tshark complains. */
    static List<Frame> tshark(Path file) {
        Result r = tsharkAllowingDamage(file);
        if (r.exit() != 0 || !complaints(r.err()).isEmpty()) {
            throw new AssertionError("tshark -r " + file + " exited with " + r.exit() + ":\n" + r.err());
        }
        return parse(r.out());
    }

    /** tshark's run over a possibly damaged file: exit code, JSON, complaints. */
    static Result tsharkAllowingDamage(Path file) {
        return exec("tshark", "-r", file.toString(), "-T", "json", "-x", "-j", "frame", "--disable-protocol", "eth");
    }

    private static final Pattern RAW = Pattern.compile("\"frame_raw\": \\[\\s*\"([0-9a-f]*)\"");
    private static final Pattern EPOCH = Pattern.compile("\"frame.time_epoch\": \"(\\d+)\\.(\\d+)\"");
    private static final Pattern LEN = Pattern.compile("\"frame.len\": \"(\\d+)\"");
    private static final Pattern CAP_LEN = Pattern.compile("\"frame.cap_len\": \"(\\d+)\"");
    private static final Pattern ENCAP = Pattern.compile("\"frame.encap_type\": \"(-?\\d+)\"");

    static List<Frame> parse(String json) {
        List<Frame> frames = new ArrayList<>();
        String[] packets = json.split("\"_index\"");
        HexFormat hex = HexFormat.of();
        for (int i = 1; i < packets.length; i++) {
            String p = packets[i];
            // A pcapng Simple Packet Block has no timestamp: tshark shows none, our reader reports 0.
            Matcher epoch = EPOCH.matcher(p);
            long ts = 0;
            if (epoch.find()) {
                String frac = (epoch.group(2) + "000000000").substring(0, 9);
                ts = Long.parseLong(epoch.group(1)) * 1_000_000_000L + Long.parseLong(frac);
            }
            frames.add(new Frame(ts, Integer.parseInt(find(LEN, p).group(1)), Integer.parseInt(find(CAP_LEN, p).group(1)),
                    Integer.parseInt(find(ENCAP, p).group(1)), hex.parseHex(find(RAW, p).group(1))));
        }
        return frames;
    }

    private static Matcher find(Pattern pattern, String s) {
        Matcher m = pattern.matcher(s);
        if (!m.find()) {
            throw new AssertionError("no " + pattern + " in tshark output:\n" + s);
        }
        return m;
    }

    /** A {@code capinfos -T -M} table as header name -> value. */
    static java.util.Map<String, String> capinfos(Path file, String... options) {
        List<String> cmd = new ArrayList<>(List.of("capinfos", "-T", "-M"));
        cmd.addAll(List.of(options));
        cmd.add(file.toString());
        String[] lines = run(cmd.toArray(String[]::new)).split("\n");
        String[] keys = lines[0].split("\t");
        String[] values = lines[1].split("\t");
        java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keys.length; i++) {
            m.put(keys[i], values[i]);
        }
        return m;
    }
}
