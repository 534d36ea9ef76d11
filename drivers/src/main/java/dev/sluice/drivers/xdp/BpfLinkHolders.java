package dev.sluice.drivers.xdp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which processes hold the bpf_link of an XDP program: a program attached through a bpf_link
 * cannot be removed with {@code ip link set dev IF xdp off}; only closing the link, i.e. ending
 * the process that holds its fd, detaches it. The kernel tells through procfs: every fd of a
 * process reads as {@code anon_inode:bpf_link} in {@code /proc/PID/fd}, and its
 * {@code /proc/PID/fdinfo/FD} lists
 *
 * <pre>
 * link_type:  xdp
 * link_id:    7
 * prog_tag:   ...
 * prog_id:    42
 * ifindex:    3          (XDP links, Linux 5.9+)
 * </pre>
 *
 * Setup path only (a failure message): reads procfs, allocates. Processes of other PID namespaces,
 * and a link pinned in bpffs rather than held by a process, are not found.
 */
final class BpfLinkHolders {
    private static final Path PROC = Path.of("/proc");
    /** A command line longer than this is cut: the program and its first arguments identify it. */
    private static final int MAX_COMMAND = 160;

    /** A process holding a bpf_link: its pid and its command line (arguments joined by spaces). */
    record Holder(long pid, String command) {
        @Override
        public String toString() {
            return "process " + pid + " (" + command + ")";
        }
    }

    private BpfLinkHolders() {
    }

    /** The processes holding an XDP bpf_link to program {@code programId}; empty when none is found. */
    static List<Holder> ofXdpProgram(int programId) {
        List<Holder> holders = new ArrayList<>();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(PROC, p -> isNumber(p.getFileName().toString()))) {
            for (Path process : processes) {
                if (holdsXdpLink(process, programId)) {
                    holders.add(new Holder(Long.parseLong(process.getFileName().toString()), command(process)));
                }
            }
        } catch (IOException | RuntimeException e) {
            // procfs unreadable (a restricted mount, a hardened kernel): nobody found is the honest answer
        }
        return holders;
    }

    private static boolean holdsXdpLink(Path process, int programId) {
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path fd : fds) {
                if (isXdpLinkTo(process, fd, programId)) {
                    return true;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended meanwhile, or its fds are not ours to read
        }
        return false;
    }

    private static boolean isXdpLinkTo(Path process, Path fd, int programId) {
        try {
            if (!Files.readSymbolicLink(fd).toString().equals("anon_inode:bpf_link")) {
                return false;
            }
            boolean xdp = false;
            boolean program = false;
            for (String line : Files.readAllLines(process.resolve("fdinfo").resolve(fd.getFileName()), StandardCharsets.US_ASCII)) {
                xdp |= line.startsWith("link_type:") && line.substring("link_type:".length()).strip().equals("xdp");
                program |= line.startsWith("prog_id:") && line.substring("prog_id:".length()).strip().equals(Integer.toString(programId));
            }
            return xdp && program;
        } catch (IOException | RuntimeException e) {
            return false; // closed meanwhile
        }
    }

    private static String command(Path process) {
        try {
            byte[] raw = Files.readAllBytes(process.resolve("cmdline"));
            List<String> argv = new ArrayList<>(List.of(new String(raw, StandardCharsets.UTF_8).split("\0")));
            argv.removeIf(String::isEmpty);
            String command = argv.isEmpty()
                    ? Files.readString(process.resolve("comm"), StandardCharsets.UTF_8).strip() // a kernel thread
                    : readable(argv);
            return command.length() <= MAX_COMMAND ? command : command.substring(0, MAX_COMMAND - 3) + "...";
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /**
     * The command line as a person recognises it. A JVM's options (a class path alone can be
     * kilobytes) are left out: "java -jar sluice.jar fwd --iface eth0", "java my.Main args".
     */
    static String readable(List<String> argv) {
        String program = argv.getFirst();
        if (!Path.of(program).getFileName().toString().equals("java")) {
            return String.join(" ", argv);
        }
        int i = 1;
        while (i < argv.size() && argv.get(i).startsWith("-") && !argv.get(i).equals("-jar")) {
            String option = argv.get(i);
            boolean takesValue = option.equals("-cp") || option.equals("-classpath") || option.equals("--class-path")
                    || option.equals("-p") || option.equals("--module-path") || option.equals("--add-modules");
            i += takesValue ? 2 : 1;
        }
        List<String> rest = argv.subList(Math.min(i, argv.size()), argv.size());
        return rest.isEmpty() ? "java" : "java " + String.join(" ", rest);
    }

    private static boolean isNumber(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
