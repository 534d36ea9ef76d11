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

    @Test
    void theQuickStartStillBeginsWithTheDemo() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        int quick = readme.indexOf("## Quick start");
        int block = readme.indexOf("```\n", quick) + 4;
        assertThat(readme.substring(block)).startsWith("./sluice demo");
    }
}
