package dev.sluice.cli;

import dev.sluice.drivers.pcap.CaptureSurvey;
import dev.sluice.drivers.pcap.LinkType;
import dev.sluice.drivers.pcap.PcapFormatException;
import dev.sluice.drivers.pcap.PcapReader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What {@code fwd --driver pcap} decides from its capture before anything is opened for writing:
 * that the output does not overwrite the input, that the capture holds Ethernet, and a frame size
 * that holds its longest packet. Packets longer than the largest frame (captures from hosts with
 * GRO/TSO carry 2-64 KB frames) are refused unless {@code --truncate} allows cutting them, and
 * then the cut is announced on a line of its own.
 */
final class PcapInput {
    /** The largest frame size a UMEM has. */
    private static final int LARGEST_FRAME = 4096;

    /**
     * @param frameSize the UMEM frame size to use
     * @param notice    a line to print before processing (what will be cut), or null
     */
    record Plan(int frameSize, String notice) {
    }

    private PcapInput() {
    }

    /**
     * @param frameSize      the --frame-size value (its default unless {@code frameSizeGiven})
     * @param frameSizeGiven whether the user chose it; if not, it grows to hold the longest packet
     */
    static Plan plan(Path in, Path out, int frameSize, boolean frameSizeGiven, boolean truncate) {
        sameFile(in, out);
        CaptureSurvey survey = survey(in, OptionChecks.frameRoom(LARGEST_FRAME));
        if (survey.holdsNoEthernet()) {
            int type = survey.otherLinkType();
            boolean cooked = type == LinkType.LINUX_SLL || type == LinkType.LINUX_SLL2;
            throw new Main.UserError(in + " has link type " + LinkType.describe(type) + ", not Ethernet: sluice processes "
                    + "Ethernet frames only" + (cooked ? " (capture on one interface, tcpdump -i IF, not -i any)" : ""));
        }
        int largest = survey.largestEthernetPacket();
        if (largest <= OptionChecks.frameRoom(frameSize)) {
            return new Plan(frameSize, null);
        }
        if (!frameSizeGiven && largest <= OptionChecks.frameRoom(LARGEST_FRAME)) {
            return new Plan(LARGEST_FRAME, null);
        }
        int size = frameSizeGiven ? frameSize : LARGEST_FRAME;
        int room = OptionChecks.frameRoom(size);
        if (!truncate) {
            if (largest <= OptionChecks.frameRoom(LARGEST_FRAME)) {
                throw new Main.UserError(in + " holds packets of up to " + largest + " bytes, more than a " + size
                        + "-byte frame holds (" + room + "): rerun with --frame-size " + LARGEST_FRAME);
            }
            throw new Main.UserError(in + " holds " + survey.ethernetLongerThanRoom() + " packets longer than the "
                    + OptionChecks.frameRoom(LARGEST_FRAME) + " bytes the largest frame holds (up to " + largest
                    + " bytes: GRO/TSO?): rerun with --truncate to cut them to the frame");
        }
        long cut = size == LARGEST_FRAME ? survey.ethernetLongerThanRoom() : survey(in, room).ethernetLongerThanRoom();
        return new Plan(size, cut + " packet" + (cut == 1 ? "" : "s") + " of " + in + " longer than " + room
                + " bytes will be cut to " + room + " (--truncate; counted as truncated in the summary)");
    }

    /** Refuses an output that is the input, by name or through a link, before it is created (which truncates it). */
    private static void sameFile(Path in, Path out) {
        if (out == null || !Files.exists(out) || !Files.exists(in)) {
            return;
        }
        try {
            if (Files.isSameFile(in, out)) {
                throw new Main.UserError("--out " + out + " is the --in capture" + (in.equals(out) ? "" : " " + in + " (through a link)")
                        + ": writing it would destroy the capture; choose another --out");
            }
        } catch (IOException e) {
            throw new Main.UserError("cannot compare --in " + in + " and --out " + out + ": " + e.getMessage());
        }
    }

    private static CaptureSurvey survey(Path in, int room) {
        try (PcapReader reader = PcapReader.open(in)) {
            return reader.survey(room);
        } catch (NoSuchFileException e) {
            throw new Main.UserError("cannot open " + in + ": no such file");
        } catch (PcapFormatException e) {
            throw new Main.UserError(in + ": " + e.getMessage());
        } catch (IOException e) {
            throw new Main.UserError("cannot open " + in + ": " + e.getMessage());
        }
    }
}
