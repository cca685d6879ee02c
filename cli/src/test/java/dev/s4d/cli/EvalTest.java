package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.data.Corpus;
import dev.s4d.data.DataLocator;
import dev.s4d.data.Split;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** eval on real sMNIST samples (when the shared data is present) and its refusals. */
class EvalTest {

    @TempDir
    static Path models;

    static Path tiny;

    @TempDir
    Path dir;

    @BeforeAll
    static void model() {
        tiny = Cli.tinyModel(models, "tiny.safetensors");
    }

    /** --data-dir of the shared MNIST copy; the test is skipped where there is none. */
    private static String dataDir() {
        var data = Cli.sharedData();
        assumeTrue(data.isPresent(), "no shared data directory (../shared/data or ../../shared/data) with mnist/");
        return data.get().toString();
    }

    private Cli.Result eval(String... extra) {
        List<String> args = new ArrayList<>(List.of("eval", "--model", tiny.toString(), "--dataset", "smnist", "--limit", "20",
                "--data-dir", dataDir()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static String accuracy(String out) {
        Matcher m = Pattern.compile("accuracy (\\d+\\.\\d+% \\(\\d+/20\\))").matcher(out);
        assertThat(m.find()).as("an accuracy in:%n%s", out).isTrue();
        return m.group(1);
    }

    @Test
    void bothEnginesAgreeOnTwentySamples() {
        Cli.Result conv = eval("--engine", "conv").succeeds();
        Cli.Result recurrent = eval("--engine", "recurrent", "--batch", "7").succeeds();
        assertThat(conv.out()).contains("smnist test, 20 samples, conv engine");
        assertThat(recurrent.out()).contains("smnist test, 20 samples, recurrent engine");
        assertThat(accuracy(recurrent.out())).isEqualTo(accuracy(conv.out()));
        // Progress went to stderr, as plain lines (no terminal here), not into the result.
        assertThat(conv.err()).contains("eval smnist").doesNotContain("\r");
        assertThat(conv.out()).doesNotContain("ETA");
    }

    @Test
    void activityIsCountedWithoutChangingTheResult() {
        Cli.Result plain = eval().succeeds();
        Cli.Result counted = eval("--activity").succeeds();
        assertThat(accuracy(counted.out())).isEqualTo(accuracy(plain.out()));
        assertThat(counted.out()).contains("over 15,680 tokens:", "layer  channels  never  under 1%  active share");
        Matcher row = Pattern.compile("(?m)^\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d\\.\\d{3})$").matcher(counted.out());
        int rows = 0;
        while (row.find()) {
            assertThat(Integer.parseInt(row.group(1))).isEqualTo(rows++);
            int channels = Integer.parseInt(row.group(2));
            int never = Integer.parseInt(row.group(3));
            int rare = Integer.parseInt(row.group(4));
            assertThat(never).isBetween(0, rare);
            assertThat(rare).isBetween(never, channels);
            assertThat(Double.parseDouble(row.group(5))).isBetween(0.0, 1.0);
        }
        assertThat(rows).as("a row per layer in:%n%s", counted.out()).isEqualTo(1);
        eval("--activity", "--engine", "recurrent").failsWith(1, "--activity counts in the conv engine: leave out --engine recurrent");
    }

    @Test
    void predictionsAreOneJsonLinePerSample() throws Exception {
        Path conv = dir.resolve("conv.jsonl");
        Path recurrent = dir.resolve("recurrent.jsonl");
        eval("--predictions", conv.toString()).succeeds();
        assertThat(eval("--engine", "recurrent", "--predictions", recurrent.toString()).succeeds().out())
                .contains("predictions written to " + recurrent);

        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(conv);
        List<String> recurrentLines = Files.readAllLines(recurrent);
        assertThat(lines).hasSize(20);
        assertThat(recurrentLines).hasSize(20);
        for (int i = 0; i < 20; i++) {
            JsonNode row = json.readTree(lines.get(i));
            assertThat(row.get("index").asInt()).isEqualTo(i);
            assertThat(row.get("label").asInt()).isBetween(0, 9);
            JsonNode logits = row.get("logits");
            assertThat(logits.isArray()).isTrue();
            assertThat(logits.size()).isEqualTo(10);
            int argmax = 0;
            for (int k = 1; k < 10; k++) if (logits.get(k).asDouble() > logits.get(argmax).asDouble()) argmax = k;
            assertThat(row.get("prediction").asInt()).isEqualTo(argmax);
            JsonNode other = json.readTree(recurrentLines.get(i));
            assertThat(other.get("label")).isEqualTo(row.get("label"));
            assertThat(other.get("prediction")).isEqualTo(row.get("prediction"));
        }
        // Only the two results: the temporary files were moved into place.
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("conv.jsonl", "recurrent.jsonl");
        }
        // Written like any other file of the user's, not private as a temp file would be.
        if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Path reference = Files.createFile(dir.resolve("reference"));
            assertThat(Files.getPosixFilePermissions(conv)).isEqualTo(Files.getPosixFilePermissions(reference));
        }
    }

    /** An ensemble classifies by the mean of its models' softmax probabilities, worked out here from each model's own logits. */
    @Test
    void anEnsembleClassifiesByTheMeanProbability() throws Exception {
        Path other = Cli.tinyModel(dir, "other.safetensors", "--seed", "7");
        Path a = dir.resolve("a.jsonl");
        Path b = dir.resolve("b.jsonl");
        Path both = dir.resolve("both.jsonl");
        eval("--predictions", a.toString()).succeeds();
        Cli.run("eval", "--model", other.toString(), "--dataset", "smnist", "--limit", "20", "--data-dir", dataDir(),
                "--predictions", b.toString()).succeeds();
        String out = eval("--ensemble", other.toString(), "--predictions", both.toString()).succeeds().out();
        assertThat(out).contains("smnist test, ensemble of 2 models, 20 samples");

        List<double[]> pa = probabilities(a);
        List<double[]> pb = probabilities(b);
        List<JsonNode> rows = rows(both);
        int correct = 0;
        for (int i = 0; i < 20; i++) {
            JsonNode row = rows.get(i);
            int best = 0;
            for (int c = 0; c < 10; c++) {
                double mean = (pa.get(i)[c] + pb.get(i)[c]) / 2;
                assertThat(Math.exp(row.get("logits").get(c).asDouble())).isCloseTo(mean, org.assertj.core.api.Assertions.within(1e-5));
                if (mean > (pa.get(i)[best] + pb.get(i)[best]) / 2) best = c;
            }
            assertThat(row.get("prediction").asInt()).isEqualTo(best);
            if (best == row.get("label").asInt()) correct++;
        }
        assertThat(accuracy(out)).isEqualTo(String.format(java.util.Locale.ROOT, "%.2f%% (%d/20)", 100.0 * correct / 20, correct));

        eval("--ensemble", other.toString(), "--engine", "recurrent").failsWith(1, "--ensemble runs the conv engine", "--engine recurrent");
        eval("--ensemble", other.toString(), "--activity").failsWith(1, "--ensemble runs the conv engine", "leave out --activity");
        Path wide = Cli.tinyModel(dir, "wide.safetensors", "--d-input", "3");
        eval("--ensemble", wide.toString()).failsWith(1, "--ensemble " + wide + ": the model reads 3 features per token but smnist has 1");
        Path more = Cli.tinyModel(dir, "more.safetensors", "--classes", "12");
        eval("--ensemble", more.toString()).failsWith(1, "--ensemble " + more + " has 12 outputs, --model 10");
    }

    /**
     * --tta flip classifies by the mean probability of each picture and its mirror image; only where tokens
     * are pixels in rows. The bundled sMNIST model: mirrored digits are not digits, so its answers move.
     */
    @Test
    void testTimeMirroringAveragesEachPictureWithItsMirror() throws Exception {
        Path trained = Path.of("../models/smnist-loihi.safetensors");
        Path plain = dir.resolve("plain.jsonl");
        Path both = dir.resolve("both.jsonl");
        List<String> common = List.of("eval", "--model", trained.toString(), "--dataset", "smnist", "--limit", "20", "--data-dir", dataDir());
        Cli.run(concat(common, "--predictions", plain.toString())).succeeds();
        String out = Cli.run(concat(common, "--tta", "flip", "--predictions", both.toString())).succeeds().out();
        assertThat(out).contains("smnist test, each picture also mirrored, 20 samples");
        // The mean of two distributions: itself one, and the mirrored view's (2·mean − plain) one too.
        List<double[]> p = probabilities(plain);
        List<double[]> q = probabilities(both);
        double moved = 0;
        for (int i = 0; i < 20; i++) {
            double sum = 0;
            for (int c = 0; c < 10; c++) {
                moved = Math.max(moved, Math.abs(p.get(i)[c] - q.get(i)[c]));
                assertThat(2 * q.get(i)[c] - p.get(i)[c]).isBetween(-1e-5, 1 + 1e-5);
                sum += q.get(i)[c];
            }
            assertThat(sum).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-5));
        }
        assertThat(moved).as("the most a class probability moved with the mirrored view").isGreaterThan(0.05);

        eval("--tta", "rotate").failsWith(1, "--tta knows flip", "got rotate");
        eval("--tta", "flip", "--engine", "recurrent").failsWith(1, "--tta runs the conv engine", "--engine recurrent");
        eval("--tta", "flip", "--activity").failsWith(1, "--tta runs the conv engine", "leave out --activity");
        Cli.run("eval", "--model", tiny.toString(), "--dataset", "psmnist", "--limit", "20", "--data-dir", dataDir(), "--tta", "flip")
                .failsWith(1, "--tta flip mirrors pictures, but psmnist's tokens are not pixels in rows");
    }

    private static String[] concat(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all.toArray(String[]::new);
    }

    /** The JSON objects of a --predictions file, one per sample. */
    private static List<JsonNode> rows(Path predictions) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(predictions)) rows.add(json.readTree(line));
        return rows;
    }

    /** Each sample's class probabilities, the softmax of the logits in a --predictions file. */
    private static List<double[]> probabilities(Path predictions) throws Exception {
        return rows(predictions).stream().map(r -> softmax(r.get("logits"))).toList();
    }

    private static double[] softmax(JsonNode logits) {
        double[] p = new double[logits.size()];
        double sum = 0;
        for (int c = 0; c < p.length; c++) sum += p[c] = Math.exp(logits.get(c).asDouble());
        for (int c = 0; c < p.length; c++) p[c] /= sum;
        return p;
    }

    @Test
    void predictionsInAMissingDirectoryFailBeforeAnyWork() {
        Path target = dir.resolve("missing").resolve("p.jsonl");
        // No data directory needed: the check comes first.
        Cli.Result r = Cli.run("eval", "--model", tiny.toString(), "--dataset", "smnist", "--offline",
                "--data-dir", dir.toString(), "--predictions", target.toString());
        r.failsWith(1, "cannot write predictions " + target, "directory " + target.getParent() + " does not exist");
        assertThat(r.err()).doesNotContain(".tmp");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void failedRunLeavesNoPredictionsBehind() throws Exception {
        Path target = dir.resolve("p.jsonl");
        // A data directory whose MNIST test images are not IDX files: searched first, so the run fails
        // on every machine, whatever datasets it has installed.
        Path data = Files.createDirectories(dir.resolve("baddata").resolve("mnist"));
        Files.writeString(data.resolve("t10k-images-idx3-ubyte"), "not an IDX file");
        Files.writeString(data.resolve("t10k-labels-idx1-ubyte"), "not an IDX file");
        Cli.run("eval", "--model", tiny.toString(), "--dataset", "smnist", "--offline", "--data-dir", data.getParent().toString(),
                "--predictions", target.toString()).failsWith(1, "t10k-images-idx3-ubyte");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("baddata");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --engine  | foo  | unknown --engine 'foo', expected conv or recurrent
            --limit   | 0    | --limit must be at least 1, got 0
            --limit   | -5   | --limit must be at least 1, got -5
            --batch   | 0    | --batch must be at least 1, got 0
            --dataset | foo  | unknown task 'foo'
            --split   | val  | unknown split 'val'
            """)
    void badOptionValues(String option, String value, String message) {
        // Checked without touching data: the data directory here is empty and downloads are off.
        List<String> args = new ArrayList<>(List.of("eval", "--model", tiny.toString(), "--offline", "--data-dir", dir.toString()));
        if (!option.equals("--dataset")) args.addAll(List.of("--dataset", "smnist"));
        args.addAll(List.of(option, value));
        Cli.Result r = Cli.run(args.toArray(String[]::new));
        r.failsWith(1, message);
        assertThat(r.out()).isEmpty();
    }

    @Test
    void mistypedDataDirIsNotSilentlyReplacedByAnother() {
        Path typo = dir.resolve("dat");
        Cli.run("eval", "--model", tiny.toString(), "--dataset", "smnist", "--data-dir", typo.toString())
                .failsWith(1, "--data-dir " + typo + " is not a directory");
    }

    @Test
    void modelThatDoesNotFitTheDataset() {
        Path threeFeatures = Cli.tinyModel(dir, "d3.safetensors", "--d-input", "3");
        Cli.run("eval", "--model", threeFeatures.toString(), "--dataset", "smnist", "--offline", "--data-dir", dir.toString())
                .failsWith(1, "the model reads 3 features per token but smnist has 1");
        Path twoClasses = Cli.tinyModel(dir, "c2.safetensors", "--classes", "2");
        Cli.run("eval", "--model", twoClasses.toString(), "--dataset", "smnist", "--offline", "--data-dir", dir.toString())
                .failsWith(1, "the model has 2 outputs but smnist has 10 classes");
    }

    @Test
    void offlineWithoutTheFilesListsWhatIsNeeded() throws Exception {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        // Where Fashion-MNIST is installed (Debian's package, the user cache), offline would succeed.
        assumeTrue(DataLocator.standard(empty, false).find(Corpus.FASHION_MNIST, Split.TEST).isEmpty(),
                "Fashion-MNIST is installed on this machine");
        Cli.Result r = Cli.run("eval", "--model", tiny.toString(), "--dataset", "sfashion", "--offline", "--data-dir", empty.toString());
        r.failsWith(1, "Fashion-MNIST test files not found", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
                empty.resolve("fashion-mnist").toString(), "offline");
        assertThat(empty).isEmptyDirectory();
    }
}
