package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.io.ModelFiles;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.S4DModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** init writes models, info reads them back, and every bad architecture is refused with a reason. */
class InitInfoTest {

    @TempDir
    Path dir;

    @Test
    void initThenInfoRoundTrip() throws Exception {
        Path file = dir.resolve("m.safetensors");
        Cli.Result init = Cli.run("init", "--d-model", "8", "--d-state", "4", "--layers", "2", "--classes", "5",
                "--seed", "3", "--out", file.toString()).succeeds();
        S4DModel model = ModelFiles.load(file);
        assertThat(init.out()).contains("wrote " + file, "H=8 N=4 layers=2", String.format("%,d parameters", model.parameterCount()));

        Cli.Result info = Cli.run("info", file.toString()).succeeds();
        assertThat(parameters(info.out())).isEqualTo(model.parameterCount());
        assertThat(info.out()).contains("flavour          loihi", "d_model (H)      8", "d_state (N)      4 (2 complex modes",
                "layers           2", "classes          5", "readout          mean", "discretization   zoh", "FLOPs per token", "state per stream");
        assertThat(info.err()).isEmpty();
    }

    @Test
    void configFileGivesTheArchitectureAndOptionsOverrideIt() throws Exception {
        Path config = Files.writeString(dir.resolve("arch.json"), """
                {"d_input": 3, "d_model": 16, "d_state": 8, "n_layers": 1, "n_classes": 4,
                 "flavour": "reference", "prenorm": true, "readout": "mean", "discretization": "bilinear"}
                """);
        Path file = dir.resolve("m.safetensors");
        Cli.run("init", "--config", config.toString(), "--d-model", "12", "--out", file.toString()).succeeds();
        ModelConfig c = ModelFiles.load(file).config();
        assertThat(c.dInput()).isEqualTo(3);
        assertThat(c.dModel()).isEqualTo(12);
        assertThat(c.dState()).isEqualTo(8);
        assertThat(c.nLayers()).isEqualTo(1);
        assertThat(c.nClasses()).isEqualTo(4);
        assertThat(c.flavour()).isEqualTo(BlockFlavour.REFERENCE);
        assertThat(c.prenorm()).isTrue();
        assertThat(c.discretization().id()).isEqualTo("bilinear");

        assertThat(Cli.run("info", file.toString()).succeeds().out()).contains("reference (pre-norm)", "discretization   bilinear");
    }

    @Test
    void unknownConfigKeyIsNamedWithTheKnownOnes() throws Exception {
        Path config = Files.writeString(dir.resolve("arch.json"), "{\"d_model\": 8, \"hidden\": 3}");
        Cli.run("init", "--config", config.toString(), "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, config.toString(), "unknown key 'hidden'", "d_model", "n_layers");
        assertThat(dir.resolve("m.safetensors")).doesNotExist();
    }

    @Test
    void malformedConfigJsonNamesTheFileAndThePlace() throws Exception {
        Path config = Files.writeString(dir.resolve("arch.json"), "{\n  \"d_model\": 8,\n  oops\n}");
        Cli.Result r = Cli.run("init", "--config", config.toString(), "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, config.toString(), "not valid JSON", "line 3");
        assertThat(r.err()).doesNotContain("REDACTED", "StreamReadFeature");
    }

    @Test
    void configValueOfTheWrongTypeNamesTheKey() throws Exception {
        Path config = Files.writeString(dir.resolve("arch.json"), "{\"d_state\": \"many\"}");
        Cli.Result r = Cli.run("init", "--config", config.toString(), "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, config.toString(), "'d_state'", "\"many\"");
        assertThat(r.err()).doesNotContain("Source: UNKNOWN", "reference chain");
    }

    @Test
    void configThatIsNotAnObjectIsRefused() throws Exception {
        Path config = Files.writeString(dir.resolve("arch.json"), "[1, 2]");
        Cli.run("init", "--config", config.toString(), "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, config.toString(), "expected a JSON object");
    }

    @Test
    void missingConfigFileIsNamed() {
        Path config = dir.resolve("none.json");
        Cli.run("init", "--config", config.toString(), "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, "no such config file", config.toString());
        Cli.run("init", "--config", dir.toString(), "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, "config file " + dir + " is a directory");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', textBlock = """
            --d-state       | 3         | d_state must be even
            --d-state       | 0         | d_state must be positive
            --layers        | -1        | n_layers must be positive
            --d-model       | 0         | d_model must be positive
            --classes       | 0         | n_classes must be positive
            --flavour       | foo       | unknown block flavour 'foo'
            --readout       | first     | unknown readout 'first'
            --discretization| euler     | unknown discretization 'euler'
            --a-init        | legs      | 'legs'
            --dt-min        | 0         | dt_min
            """)
    void badArchitectureValuesAreRefusedByName(String option, String value, String message) {
        Path out = dir.resolve("m.safetensors");
        Cli.Result r = Cli.run("init", option, value, "--out", out.toString());
        r.failsWith(1, message);
        assertThat(r.out()).isEmpty();
        assertThat(out).doesNotExist();
    }

    @Test
    void prenormNeedsTheReferenceFlavour() {
        Cli.run("init", "--flavour", "loihi", "--prenorm", "--out", dir.resolve("m.safetensors").toString())
                .failsWith(1, "prenorm applies to the reference flavour only");
        Cli.run("init", "--flavour", "reference", "--prenorm", "--d-model", "8", "--d-state", "4", "--layers", "1",
                "--out", dir.resolve("m.safetensors").toString()).succeeds();
    }

    @Test
    void outputInAMissingDirectoryIsRefusedWithoutLeftovers() {
        Path out = dir.resolve("missing").resolve("m.safetensors");
        Cli.Result r = Cli.run("init", "--d-model", "8", "--d-state", "4", "--layers", "1", "--out", out.toString())
                .failsWith(1, out.toString(), "directory " + out.getParent() + " does not exist");
        assertThat(r.err()).doesNotContain(".tmp");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void outputThatIsADirectoryIsRefused() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Cli.run("init", "--d-model", "8", "--d-state", "4", "--layers", "1", "--out", sub.toString())
                .failsWith(1, "cannot write model " + sub, "is a directory");
        assertThat(sub).isEmptyDirectory();
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void initReplacesAnExistingModel() throws Exception {
        Path file = Cli.tinyModel(dir, "m.safetensors");
        Cli.run("init", "--d-model", "4", "--d-state", "2", "--layers", "1", "--out", file.toString()).succeeds();
        assertThat(ModelFiles.load(file).config().dModel()).isEqualTo(4);
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    /** The number on info's "parameters" line. */
    private static long parameters(String infoOutput) {
        Matcher m = Pattern.compile("(?m)^parameters\\s+([\\d,]+)$").matcher(infoOutput);
        assertThat(m.find()).as("a parameters line in:%n%s", infoOutput).isTrue();
        return Long.parseLong(m.group(1).replace(",", ""));
    }
}
