package dev.sluice.lb.config;

import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static dev.sluice.lb.config.Literals.quote;

/**
 * A YAML node with its key path ({@code vips[0].backends[1].weight}) and the file it came from: the
 * loader walks the tree through these, and every value it reads or rejects turns into a
 * {@link ConfigException} at the node's own line and column. Scalars are read from their text
 * (quoted or not: {@code 80} and {@code "80"} are the same port).
 */
final class ConfigNode {
    private final Path file;
    private final Node node;
    private final String path;

    ConfigNode(Path file, Node node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    String path() {
        return path;
    }

    /** 1-based line of the node's start, for messages that point back at it. */
    int line() {
        return node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    ConfigException error(String problem) {
        return error(file, node.getStartMark().orElse(null), path, problem);
    }

    static ConfigException error(Path file, Mark mark, String path, String problem) {
        return mark == null ? new ConfigException(file, 0, 0, path, problem)
                : new ConfigException(file, mark.getLine() + 1, mark.getColumn() + 1, path, problem);
    }

    /** What the node is, for "expected X, found Y". */
    private String found() {
        return switch (node) {
            case MappingNode m -> "a mapping";
            case SequenceNode s -> "a list";
            case ScalarNode s when s.getTag().equals(Tag.NULL) -> "no value";
            case ScalarNode s -> quote(s.getValue());
            default -> "a " + node.getNodeType();
        };
    }

    private ConfigException expected(String what) {
        return error("expected " + what + ", found " + found());
    }

    /** This node as a mapping whose keys are all in {@code allowed} (in the order the message lists them). */
    Fields fields(String what, List<String> allowed) {
        if (!(node instanceof MappingNode mapping)) {
            throw expected(what);
        }
        Map<String, ConfigNode> values = new LinkedHashMap<>();
        for (NodeTuple t : mapping.getValue()) {
            ConfigNode key = new ConfigNode(file, t.getKeyNode(), path);
            if (!(t.getKeyNode() instanceof ScalarNode k) || k.getTag().equals(Tag.NULL)) {
                throw key.expected("a key (one of " + String.join(", ", allowed) + ")");
            }
            String name = k.getValue();
            ConfigNode keyAt = new ConfigNode(file, k, child(name));
            if (!allowed.contains(name)) {
                throw keyAt.error("unknown key (" + suggestion(name, allowed) + "allowed here: "
                        + String.join(", ", allowed) + ")");
            }
            if (values.containsKey(name)) {
                throw keyAt.error("key given twice (first on line " + values.get(name).line() + ")");
            }
            values.put(name, new ConfigNode(file, t.getValueNode(), child(name)));
        }
        return new Fields(this, values);
    }

    /** This node as a list of at least one item. */
    List<ConfigNode> items(String what) {
        if (!(node instanceof SequenceNode sequence)) {
            throw expected(what);
        }
        List<Node> nodes = sequence.getValue();
        if (nodes.isEmpty()) {
            throw error("is empty (" + what + " with at least one entry is needed)");
        }
        List<ConfigNode> items = new ArrayList<>(nodes.size());
        for (int i = 0; i < nodes.size(); i++) {
            items.add(new ConfigNode(file, nodes.get(i), path + "[" + i + "]"));
        }
        return items;
    }

    /** The text of a scalar that has a value. */
    String text(String what) {
        if (!(node instanceof ScalarNode s) || s.getTag().equals(Tag.NULL)) {
            throw expected(what);
        }
        return s.getValue();
    }

    /** A whole number within {@code min..max}; {@code note} (may be empty) says what the values mean. */
    int integer(int min, int max, String note) {
        String range = min + ".." + max + (note.isEmpty() ? "" : ", " + note);
        String text = text("a whole number " + range);
        if (!text.matches("-?[0-9]{1,18}")) {
            throw expected("a whole number " + range);
        }
        long value = Long.parseLong(text);
        if (value < min || value > max) {
            throw error(value + " is out of range " + min + ".." + max + (note.isEmpty() ? "" : " (" + note + ")"));
        }
        return (int) value;
    }

    /** One of the words {@code choices} maps (YAML spells them in lower case). */
    <T> T choice(Map<String, T> choices) {
        String allowed = String.join(" | ", choices.keySet());
        String text = text("one of " + allowed);
        T value = choices.get(text);
        if (value == null) {
            throw error(quote(text) + " is not one of " + allowed);
        }
        return value;
    }

    /** A value {@code parser} accepts; its {@link IllegalArgumentException} becomes the message. */
    <T> T literal(String what, Function<String, T> parser) {
        String text = text(what);
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw error(e.getMessage());
        }
    }

    /** A duration within {@code min..max}. */
    Duration duration(Duration min, Duration max) {
        Duration d = literal("a duration such as 500ms, 300s, 2m or 1h", Literals::duration);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw error(Literals.formatDuration(d) + " is out of range " + Literals.formatDuration(min) + ".."
                    + Literals.formatDuration(max));
        }
        return d;
    }

    /** "did you mean 'address'? " when an allowed key is within two edits of {@code key}, else "". */
    private static String suggestion(String key, List<String> allowed) {
        String best = null;
        int bestDistance = 3;
        for (String candidate : allowed) {
            int d = editDistance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best == null ? "" : "did you mean '" + best + "'? ";
    }

    /** Levenshtein distance (keys are short). */
    private static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] t = previous;
            previous = current;
            current = t;
        }
        return previous[b.length()];
    }

    private String child(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The checked keys of a mapping node. */
    static final class Fields {
        private final ConfigNode mapping;
        private final Map<String, ConfigNode> values;

        private Fields(ConfigNode mapping, Map<String, ConfigNode> values) {
            this.mapping = mapping;
            this.values = values;
        }

        /** The value of {@code key}, or null when the mapping does not have it. */
        ConfigNode get(String key) {
            return values.get(key);
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        /** The value of {@code key}; its absence is an error at the mapping. */
        ConfigNode required(String key) {
            ConfigNode value = values.get(key);
            if (value == null) {
                throw mapping.error("missing key '" + key + "' (required)");
            }
            return value;
        }

        /** The mapping itself (for errors about it as a whole). */
        ConfigNode node() {
            return mapping;
        }
    }
}
