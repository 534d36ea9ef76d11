package dev.sluice.cli.demo;

import java.util.ArrayList;
import java.util.List;

/**
 * The periods in which requests may fail: each starts when the demo stops a backend's HTTP server
 * and ends one health-check interval after the balancer marked that backend down (the last probe
 * in flight, and the tables published, settle within it). A request that failed counts as a
 * detection failure when it was in flight at some instant of such a window; any other failure is
 * one the balancer should have prevented. A stop the balancer never noticed opens no window.
 */
final class DetectionWindows {
    /** One stop of {@code backend} ({@code address}); {@code downNanos} is -1 until the balancer marked it down. */
    static final class Window {
        final String backend;
        final String address;
        final long stoppedNanos;
        long downNanos = -1;

        Window(String backend, String address, long stoppedNanos) {
            this.backend = backend;
            this.address = address;
            this.stoppedNanos = stoppedNanos;
        }
    }

    private final long graceNanos;
    private final List<Window> windows = new ArrayList<>();

    /** @param graceNanos one health-check interval */
    DetectionWindows(long graceNanos) {
        this.graceNanos = graceNanos;
    }

    synchronized Window stopped(String backend, String address, long nanos) {
        Window w = new Window(backend, address, nanos);
        windows.add(w);
        return w;
    }

    /**
     * The balancer marked {@code address} down at {@code nanos}: closes the detection of its latest
     * stop before that instant; returns that window, or null when none waited for it.
     */
    synchronized Window markedDown(String address, long nanos) {
        for (int i = windows.size() - 1; i >= 0; i--) {
            Window w = windows.get(i);
            if (w.address.equals(address) && w.stoppedNanos <= nanos) {
                if (w.downNanos >= 0) {
                    return null;
                }
                w.downNanos = nanos;
                return w;
            }
        }
        return null;
    }

    /** Whether a stop of {@code address} still waits for the balancer to notice. */
    synchronized boolean awaiting(String address) {
        for (int i = windows.size() - 1; i >= 0; i--) {
            Window w = windows.get(i);
            if (w.address.equals(address)) {
                return w.downNanos < 0;
            }
        }
        return false;
    }

    synchronized boolean awaitingAny() {
        return windows.stream().anyMatch(w -> w.downNanos < 0);
    }

    /** Whether {@code r} was in flight during a detection window. */
    synchronized boolean covers(Request r) {
        for (Window w : windows) {
            if (w.downNanos >= 0 && r.overlaps(w.stoppedNanos, w.downNanos + graceNanos)) {
                return true;
            }
        }
        return false;
    }

    synchronized List<Window> windows() {
        return List.copyOf(windows);
    }
}
