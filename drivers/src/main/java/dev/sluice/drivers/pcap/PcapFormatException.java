package dev.sluice.drivers.pcap;

/**
 * A capture file is not a pcap or pcapng file, or is damaged: cut short, or with a length or magic
 * that cannot be right. The message names the problem; {@link #offset()} is the byte offset in the
 * file of the header, record or block where it was found.
 *
 * <p>Thrown when a file is opened and its header is bad, and, by a reader in strict mode, when
 * reading reaches damage. A lenient reader reports damage in the middle of a file through
 * {@link PcapReader#problem()} instead.
 */
public final class PcapFormatException extends RuntimeException {
    private final long offset;

    public PcapFormatException(String message, long offset) {
        super(message);
        this.offset = offset;
    }

    /** Byte offset in the file of the header, record or block that is damaged. */
    public long offset() {
        return offset;
    }
}
