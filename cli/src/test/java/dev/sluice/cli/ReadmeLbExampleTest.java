package dev.sluice.cli;

import dev.sluice.lb.config.LbConfig;
import dev.sluice.lb.config.LbConfigLoader;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's complete configuration example is a valid file, and the one the loader's tests read. */
class ReadmeLbExampleTest {
    private static String readmeExample() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("### Configuration");
        assertThat(section).as("README has a Configuration section").isPositive();
        int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
        int end = readme.indexOf("```", start);
        return readme.substring(start, end);
    }

    @Test
    void theExampleLoads() throws Exception {
        LbConfig config = LbConfigLoader.parse(readmeExample(), Path.of("README.md"), name -> true);
        assertThat(config.vips()).isNotEmpty();
    }

    @Test
    void theExampleIsTheLoadersTestedExample() throws Exception {
        String tested = Files.readString(Path.of("..", "lb", "src", "test", "resources", "lb-example.yaml"));
        assertThat(readmeExample().strip()).isEqualTo(tested.strip());
    }

    /** Every key the example uses is named in the README's key table (as the last part of a key path). */
    @Test
    void everyKeyOfTheExampleIsDocumented() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        String table = readme.substring(readme.indexOf("| key | meaning |"), readme.indexOf("### Setting up the network"));
        java.util.Set<String> keys = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^[\\s-]*([a-z][a-z0-9-]*):|[{,]\\s*([a-z][a-z0-9-]*):")
                .matcher(readmeExample().replaceAll("#.*", ""));
        while (m.find()) {
            keys.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        assertThat(keys).contains("interface", "vips", "weight", "mac", "gue-port", "connections", "next-hop-mac");
        // the parts of every key path the table writes in backticks: `vips[].backends[].weight` -> vips, backends, weight
        java.util.Set<String> documented = new java.util.TreeSet<>();
        java.util.regex.Matcher code = java.util.regex.Pattern.compile("`([^`]+)`").matcher(table);
        while (code.find()) {
            documented.addAll(java.util.List.of(code.group(1).split("[.\\[\\] ]+")));
        }
        assertThat(documented).as("key path parts in the README's table").containsAll(keys);
    }

    /** The README's {@code lb which} session prints what the command prints for the example. */
    @Test
    void theWhichSessionIsTrue() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("$ ./sluice lb which");
        String session = readme.substring(start, readme.indexOf("```", start));
        java.util.List<String> lines = session.lines().toList();
        var tables = LbWhichCommand.tables(LbConfigLoader.parse(readmeExample(), Path.of("lb.yaml"), name -> true));
        java.util.regex.Matcher flows = java.util.regex.Pattern.compile("--flow (\\S+)").matcher(lines.getFirst());
        int i = 1;
        while (flows.find()) {
            assertThat(LbWhichCommand.answer(tables, FlowSpec.parse(flows.group(1)))).isEqualTo(lines.get(i++));
        }
        assertThat(i).isEqualTo(lines.size()).isGreaterThan(1);
    }

    @Test
    void theQuickStartStillBeginsWithTheDemo() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int quick = readme.indexOf("## Quick start");
        int block = readme.indexOf("```\n", quick) + 4;
        assertThat(readme.substring(block)).startsWith("./sluice demo");
    }
}
