package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import picocli.CommandLine.Option;

/** {@code --copy} / {@code --zero-copy}, the AF_XDP copy-mode choice of {@code gen} and, through {@link XdpPortOptions}, {@code fwd} and {@code lb} (a picocli mixin). */
final class CopyModeOptions {

    @Option(names = "--copy", description = "Force copy mode.")
    boolean copy;

    @Option(names = "--zero-copy", description = "Force zero-copy mode (fails where the driver has none, e.g. veth).")
    boolean zeroCopy;

    /** The chosen mode, AUTO when neither was given. */
    AfXdpOptions.CopyMode copyMode() {
        if (copy && zeroCopy) {
            throw new Main.UserError("--copy and --zero-copy exclude each other");
        }
        return copy ? AfXdpOptions.CopyMode.COPY : zeroCopy ? AfXdpOptions.CopyMode.ZERO_COPY : AfXdpOptions.CopyMode.AUTO;
    }
}
