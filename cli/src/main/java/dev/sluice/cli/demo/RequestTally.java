package dev.sluice.cli.demo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the client's requests came to: totals, answers per backend, the failed requests (kept for
 * {@link DetectionWindows}) and the same counts for the second being shown. Short requests and long
 * downloads are counted apart. Fed by the curl readers, read by the live view: synchronized.
 */
final class RequestTally implements Consumer<Request> {
    /** Counts of one second of short requests. */
    record Second(long ok, long failed, Map<String, Long> perBackend) {
    }

    private final List<String> backendNames;
    private long requests;
    private long ok;
    private final Map<String, Long> perBackend = new LinkedHashMap<>();
    private long secondOk;
    private long secondFailed;
    private Map<String, Long> secondPerBackend = new LinkedHashMap<>();
    private final List<Request> failures = new ArrayList<>();
    private long downloads;
    private long downloadsOk;
    private final List<Request> failedDownloads = new ArrayList<>();

    RequestTally(List<String> backendNames) {
        this.backendNames = List.copyOf(backendNames);
        for (String b : backendNames) {
            perBackend.put(b, 0L);
        }
    }

    @Override
    public synchronized void accept(Request r) {
        if (r.longLived()) {
            downloads++;
            if (r.ok()) {
                downloadsOk++;
            } else {
                failedDownloads.add(r);
            }
            return;
        }
        requests++;
        if (r.ok()) {
            ok++;
            secondOk++;
            perBackend.merge(r.backend(), 1L, Long::sum);
            secondPerBackend.merge(r.backend(), 1L, Long::sum);
        } else {
            secondFailed++;
            failures.add(r);
        }
    }

    /** The counts since the previous call. */
    synchronized Second second() {
        Second s = new Second(secondOk, secondFailed, secondPerBackend);
        secondOk = 0;
        secondFailed = 0;
        secondPerBackend = new LinkedHashMap<>();
        return s;
    }

    synchronized long requests() {
        return requests;
    }

    synchronized long ok() {
        return ok;
    }

    synchronized long failed() {
        return requests - ok;
    }

    /** Answers of backend {@code name}. */
    synchronized long answeredBy(String name) {
        return perBackend.getOrDefault(name, 0L);
    }

    synchronized List<Request> failures() {
        return List.copyOf(failures);
    }

    synchronized long downloads() {
        return downloads;
    }

    synchronized long downloadsOk() {
        return downloadsOk;
    }

    synchronized List<Request> failedDownloads() {
        return List.copyOf(failedDownloads);
    }

    List<String> backendNames() {
        return backendNames;
    }
}
