package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A model file that is missing, a directory, random bytes or cut short: every command that reads one
 * fails with exit 1, a message naming the file, and no stack trace. The dataset options point at an
 * empty directory and offline, so a command that read data before the model would fail differently.
 */
class ModelFileErrorsTest {

    @TempDir
    static Path dir;

    static Path missing;
    static Path random;
    static Path truncated;
    static Path cutData;
    static Path empty;

    @BeforeAll
    static void files() throws Exception {
        missing = dir.resolve("missing.safetensors");
        byte[] noise = new byte[1000];
        new Random(7).nextBytes(noise);
        random = Files.write(dir.resolve("random.safetensors"), noise);
        byte[] whole = Files.readAllBytes(Cli.tinyModel(dir, "tiny.safetensors"));
        truncated = Files.write(dir.resolve("truncated.safetensors"), Arrays.copyOf(whole, whole.length / 3));
        cutData = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(whole, whole.length - 16));
        empty = Files.write(dir.resolve("empty.safetensors"), new byte[0]);
        Files.createDirectories(dir.resolve("nodata"));
    }

    /** Every command that takes a model file, as a function of that file. */
    static Stream<List<String>> commandsReadingAModel() {
        String data = dir.resolve("nodata").toString();
        return Stream.of(
                List.of("info", "MODEL"),
                List.of("eval", "--model", "MODEL", "--dataset", "smnist", "--offline", "--data-dir", data),
                List.of("stream", "--model", "MODEL", "--dataset", "smnist", "--offline", "--data-dir", data),
                List.of("demo", "--model", "MODEL", "--digits", "1"),
                List.of("bench", "--model", "MODEL", "--only", "single", "--repeats", "1"));
    }

    private static String[] with(List<String> command, Path model) {
        return command.stream().map(a -> a.equals("MODEL") ? model.toString() : a).toArray(String[]::new);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsReadingAModel")
    void missingModel(List<String> command) {
        Cli.run(with(command, missing)).failsWith(1, "no such model file: " + missing);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsReadingAModel")
    void modelThatIsADirectory(List<String> command) {
        Cli.run(with(command, dir)).failsWith(1, "model file " + dir + " is a directory");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsReadingAModel")
    void randomBytes(List<String> command) {
        Cli.run(with(command, random)).failsWith(1, random.toString(), "not a safetensors file");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsReadingAModel")
    void truncatedSafetensors(List<String> command) {
        Cli.run(with(command, truncated)).failsWith(1, truncated.toString(), "truncated");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commandsReadingAModel")
    void headerIntactButDataCutShort(List<String> command) {
        Cli.run(with(command, cutData)).failsWith(1, cutData.toString(), "out of range", "truncated file?");
    }

    @Test
    void emptyFile() {
        Cli.Result r = Cli.run("info", empty.toString()).failsWith(1, empty.toString());
        assertThat(r.out()).isEmpty();
    }
}
