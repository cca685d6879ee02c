package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** stream, demo and bench: they run on small inputs and refuse bad values. */
class StreamDemoBenchTest {

    @TempDir
    static Path models;

    static Path tiny;

    @BeforeAll
    static void model() {
        tiny = Cli.tinyModel(models, "tiny.safetensors");
    }

    @Test
    void streamReportsAccuracyLatencyAndThroughput() {
        var data = Cli.sharedData();
        assumeTrue(data.isPresent(), "no shared data directory with mnist/");
        Cli.Result r = Cli.run("stream", "--model", tiny.toString(), "--dataset", "smnist", "--streams", "4", "--limit", "8",
                "--data-dir", data.get().toString()).succeeds();
        assertThat(r.out()).contains("smnist: 8 samples through 4 stream(s)");
        assertThat(r.out()).containsPattern("accuracy\\s+\\d+\\.\\d+% \\(\\d/8\\)");
        assertThat(r.out()).containsPattern("p50 \\d+\\.\\d µs, p99 \\d+\\.\\d µs");
        assertThat(r.out()).containsPattern("throughput\\s+[\\d,]+ tokens/s");
        assertThat(r.err()).contains("stream smnist").doesNotContain("\r");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --streams | 0  | --streams must be at least 1, got 0
            --threads | 0  | --threads must be at least 1, got 0
            --limit   | 0  | --limit must be at least 1, got 0
            """)
    void streamRefusesBadValues(String option, String value, String message) {
        Cli.Result r = Cli.run("stream", "--model", tiny.toString(), "--dataset", "smnist", "--offline",
                "--data-dir", models.toString(), option, value).failsWith(1, message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void demoRunsBothEnginesAndComparesThem() {
        Cli.Result r = Cli.run("demo", "--digits", "10").succeeds();
        Matcher conv = Pattern.compile("conv engine\\s+accuracy\\s+(\\d+\\.\\d)%").matcher(r.out());
        Matcher recurrent = Pattern.compile("recurrent engine\\s+accuracy\\s+(\\d+\\.\\d)%").matcher(r.out());
        assertThat(conv.find()).as(r.out()).isTrue();
        assertThat(recurrent.find()).as(r.out()).isTrue();
        assertThat(r.out()).contains("10/10 predictions equal", "10 MNIST test digits", "µs per token",
                "accuracy of the streaming prediction after t pixels", "t= 784");
        assertThat(recurrent.group(1)).isEqualTo(conv.group(1));
    }

    @Test
    void demoWithAGivenModel() {
        Cli.Result r = Cli.run("demo", "--digits", "3", "--model", tiny.toString()).succeeds();
        assertThat(r.out()).contains(tiny.toString(), "H=8 N=4", "3/3 predictions equal");
    }

    @Test
    void demoRefusesAModelThatCannotReadPixels() {
        Path rgb = Cli.tinyModel(models, "rgb.safetensors", "--d-input", "3");
        Cli.Result r = Cli.run("demo", "--digits", "3", "--model", rgb.toString())
                .failsWith(1, "the model reads 3 features per token but smnist has 1");
        assertThat(r.out()).isEmpty();
    }

    @ParameterizedTest(name = "--digits {0}")
    @CsvSource({"0", "101", "-1"})
    void demoRefusesDigitCountsOutsideTheBundle(String digits) {
        Cli.run("demo", "--digits", digits).failsWith(1, "--digits must be 1..100, got " + digits);
    }

    @Test
    void benchSingleStreamOnATinyModel() {
        Cli.Result r = Cli.run("bench", "--model", tiny.toString(), "--only", "single", "--repeats", "1").succeeds();
        assertThat(r.out()).contains("H=8 N=4 layers=1", "measurement", "recurrent, 1 stream, 1 thread", "µs/token");
        assertThat(r.out()).doesNotContain("streams,", "conv,");
    }

    @Test
    void benchConvOnATinyModel() {
        Cli.Result r = Cli.run("bench", "--model", tiny.toString(), "--only", "conv", "--repeats", "1", "--batch", "2",
                "--length", "64").succeeds();
        assertThat(r.out()).contains("conv, batch 2, L 64", "ms/batch");
    }

    @Test
    void benchTrainingOnATinyModel() {
        Cli.Result r = Cli.run("bench", "--model", tiny.toString(), "--only", "train", "--repeats", "1", "--train-batch", "3",
                "--length", "32").succeeds();
        assertThat(r.out()).contains("training, batch 3, L 32, all cores", "samples/s");
        assertThat(r.out()).doesNotContain("conv,", "stream,");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --preset      | foo   | unknown --preset 'foo', expected small or large
            --only        | all   | unknown --only 'all', expected single, streams, conv or train
            --repeats     | 0     | --repeats, --streams, --batch and --train-batch must be positive
            --train-batch | 0     | --repeats, --streams, --batch and --train-batch must be positive
            --length      | 0     | --length must be at least 1, got 0
            --peak-gflops | 0     | --peak-gflops must be positive
            --flavour     | foo   | unknown block flavour 'foo'
            """)
    void benchRefusesBadValues(String option, String value, String message) {
        Cli.Result r = Cli.run("bench", option, value).failsWith(1, message);
        assertThat(r.out()).isEmpty();
    }
}
