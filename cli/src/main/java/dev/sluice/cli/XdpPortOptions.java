package dev.sluice.cli;

import dev.sluice.drivers.afxdp.AfXdpOptions;
import dev.sluice.drivers.xdp.XdpMode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code --xdp-mode}, {@code --copy} / {@code --zero-copy} and {@code --cpu}: how {@code fwd} and
 * {@code lb} attach to an interface and pin their polling threads (a picocli mixin). Each value is
 * turned into what the drivers take, or refused with one line naming the option; how many CPUs
 * {@code --cpu} may name depends on the command's threads, so the command checks that.
 */
final class XdpPortOptions {

    @Option(names = "--xdp-mode", paramLabel = "MODE", description = "auto, native or generic (default: ${DEFAULT-VALUE}).")
    String xdpMode = "auto";

    @Mixin
    CopyModeOptions copyMode = new CopyModeOptions();

    @Option(names = "--cpu", split = ",", paramLabel = "N",
            description = "Pin the workers (polling threads; one per queue by default) to these CPUs, one each (default: not pinned).")
    int[] cpus;

    /** The chosen XDP attach mode ({@code drv} and {@code skb} are the kernel's names for native and generic). */
    XdpMode xdpMode() {
        return switch (xdpMode.toLowerCase()) {
            case "auto" -> XdpMode.AUTO;
            case "native", "drv" -> XdpMode.NATIVE;
            case "generic", "skb" -> XdpMode.GENERIC;
            default -> throw new Main.UserError("unknown --xdp-mode '" + xdpMode + "' (auto, native, generic)");
        };
    }

    /** The chosen copy mode ({@link CopyModeOptions#copyMode}). */
    AfXdpOptions.CopyMode copyMode() {
        return copyMode.copyMode();
    }

    /** The CPUs to pin to, one per polling thread in order; null when not pinned. */
    int[] cpus() {
        return cpus;
    }
}
