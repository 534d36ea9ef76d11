package dev.sluice.counters;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The labels of a counter group, {@code key=value} pairs in a fixed order: {@code port=afxdp:eth0/0},
 * {@code worker=0}, {@code vip=web backend=10.0.1.11}. Keys are {@code [a-z_][a-z0-9_]*} (they
 * become Prometheus label names as they are); values are any text without control characters.
 * Immutable.
 */
public final class Labels {
    private static final Labels NONE = new Labels(new String[0]);

    /** key0, value0, key1, value1, ... */
    private final String[] pairs;

    private Labels(String[] pairs) {
        this.pairs = pairs;
    }

    public static Labels none() {
        return NONE;
    }

    /** {@code Labels.of("vip", "web", "backend", "10.0.1.11")}. */
    public static Labels of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("labels come in key, value pairs: " + List.of(keysAndValues));
        }
        String[] pairs = keysAndValues.clone();
        for (int i = 0; i < pairs.length; i += 2) {
            checkName("label key", pairs[i]);
            checkValue(pairs[i], Objects.requireNonNull(pairs[i + 1], "label value"));
            for (int j = 0; j < i; j += 2) {
                if (pairs[j].equals(pairs[i])) {
                    throw new IllegalArgumentException("label key '" + pairs[i] + "' given twice");
                }
            }
        }
        return new Labels(pairs);
    }

    /** A kind, label key or counter name: {@code [a-z_][a-z0-9_]*}, 1 to 64 characters. */
    static void checkName(String what, String name) {
        boolean ok = name != null && !name.isEmpty() && name.length() <= 64 && !Character.isDigit(name.charAt(0));
        for (int i = 0; ok && i < name.length(); i++) {
            char c = name.charAt(i);
            ok = c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_';
        }
        if (!ok) {
            throw new IllegalArgumentException(what + " must match [a-z_][a-z0-9_]* (at most 64 characters), not '" + name + "'");
        }
    }

    private static void checkValue(String key, String value) {
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw new IllegalArgumentException("label " + key + " has a control character in its value: '" + value + "'");
            }
        }
    }

    public int size() {
        return pairs.length / 2;
    }

    public String key(int i) {
        return pairs[2 * i];
    }

    public String value(int i) {
        return pairs[2 * i + 1];
    }

    /** The value of {@code key}, or null. */
    public String get(String key) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equals(key)) {
                return pairs[i + 1];
            }
        }
        return null;
    }

    public void forEach(BiConsumer<String, String> action) {
        for (int i = 0; i < pairs.length; i += 2) {
            action.accept(pairs[i], pairs[i + 1]);
        }
    }

    /** These labels followed by {@code more} (keys must not repeat). */
    public Labels and(String... keysAndValues) {
        List<String> all = new ArrayList<>(List.of(pairs));
        all.addAll(List.of(keysAndValues));
        return of(all.toArray(String[]::new));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Labels l && java.util.Arrays.equals(pairs, l.pairs);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(pairs);
    }

    /** {@code key=value key=value}, as {@code sluice stat} shows them. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            sb.append(i == 0 ? "" : " ").append(pairs[i]).append('=').append(pairs[i + 1]);
        }
        return sb.toString();
    }
}
