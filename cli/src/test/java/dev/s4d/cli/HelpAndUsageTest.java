package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** --help, --version and picocli's own usage errors. */
class HelpAndUsageTest {

    static Stream<Arguments> commands() {
        return Stream.of(
                Arguments.of("demo", new String[]{"--model", "--digits"}),
                Arguments.of("info", new String[]{"MODEL", "--prenorm", "--readout", "--discretization"}),
                Arguments.of("init", new String[]{"--config", "--out", "--d-input", "--d-model", "--d-state", "--layers",
                        "--classes", "--flavour", "--prenorm", "--readout", "--discretization", "--a-init", "--dt-min", "--dt-max", "--seed"}),
                Arguments.of("train", new String[]{"--dataset", "--limit", "--data-dir", "--offline", "--config", "--d-model",
                        "--d-state", "--layers", "--flavour", "--a-init", "--out", "--resume", "--epochs", "--batch", "--lr", "--lr-ssm",
                        "--weight-decay", "--warmup", "--clip", "--dropout", "--seed", "--val-fraction", "--threads", "--checkpoint-every",
                        "--augment", "--average-last", "--stop-after"}),
                Arguments.of("eval", new String[]{"--model", "--dataset", "--split", "--limit", "--data-dir", "--offline",
                        "--engine", "--batch", "--predictions", "--held-out"}),
                Arguments.of("average", new String[]{"MODEL", "--weights", "--out", "--prenorm"}),
                Arguments.of("stream", new String[]{"--model", "--dataset", "--limit", "--data-dir", "--offline", "--streams", "--threads"}),
                Arguments.of("live", new String[]{"--model", "--input", "--streams", "--format", "--threads", "--sigma-delta", "--report",
                        "--listen", "--emit", "--state", "--prenorm"}),
                Arguments.of("bench", new String[]{"--model", "--preset", "--flavour", "--length", "--streams", "--batch",
                        "--repeats", "--peak-gflops", "--train-batch", "--only"}),
                Arguments.of("quantize", new String[]{"--model", "--dataset", "--out", "--weight-bits", "--coefficient-bits",
                        "--state-bits", "--rounding", "--overflow", "--calibration", "--qaft-epochs", "--qaft-lr", "--qaft-seed", "--qaft-dropout", "--qaft-augment", "--qaft-dir", "--resume"}),
                Arguments.of("loihi", new String[]{"--model", "--dataset", "--split", "--limit", "--sigma-delta",
                        "--max-neurons-per-core", "--cost-constants", "--report", "--stream", "--streams", "--threads"}),
                Arguments.of("ablate", new String[]{"--model", "--dataset", "--out", "--calibration", "--coefficient-bits",
                        "--state-bits", "--weight-bits", "--thresholds"}));
    }

    @ParameterizedTest(name = "{0} --help")
    @MethodSource("commands")
    void helpOfEveryCommandListsItsOptions(String command, String[] options) {
        Cli.Result r = Cli.run(command, "--help").succeeds();
        assertThat(r.out()).startsWith("Usage: s4d " + command).contains(options).contains("--help");
        assertThat(r.err()).isEmpty();
    }

    @ParameterizedTest(name = "help {0}")
    @MethodSource("commands")
    void helpSubcommandShowsTheSameText(String command, String[] options) {
        assertThat(Cli.run("help", command).succeeds().out()).isEqualTo(Cli.run(command, "--help").out());
    }

    @Test
    void topLevelHelpListsEveryCommand() {
        Cli.Result r = Cli.run("--help").succeeds();
        assertThat(r.out()).contains("Usage: s4d", "demo", "info", "init", "train", "eval", "average", "stream", "live", "bench",
                "quantize", "loihi", "ablate", "help");
    }

    @Test
    void version() {
        Cli.Result r = Cli.run("--version").succeeds();
        assertThat(r.out()).startsWith("s4d ").contains("Java " + Runtime.version(), "kernels: ");
    }

    @Test
    void noCommandIsAUsageError() {
        // picocli: a command without subcommand given runs Main itself, which is not runnable.
        Cli.Result r = Cli.run();
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Usage: s4d");
    }

    @Test
    void unknownCommandIsAUsageError() {
        Cli.run("evaluate").failsWith(2, "Unmatched argument", "'evaluate'");
    }

    @Test
    void missingRequiredOptionIsAUsageError() {
        Cli.run("eval", "--dataset", "smnist").failsWith(2, "Missing required option", "--model", "Usage: s4d eval");
        Cli.run("info").failsWith(2, "Missing required parameter", "MODEL");
        Cli.run("init").failsWith(2, "Missing required option", "--out");
    }

    @Test
    void malformedNumberIsAUsageError() {
        Cli.run("demo", "--digits", "ten").failsWith(2, "--digits", "'ten'");
    }

    @Test
    void badEnumOptionNamesTheValueAndTheChoices() {
        Cli.Result r = Cli.run("info", "x.safetensors", "--readout", "first")
                .failsWith(2, "--readout", "unknown readout 'first'", "mean", "last");
        // picocli would otherwise add "(java.lang.IllegalArgumentException: ...)".
        assertThat(r.err()).doesNotContain("IllegalArgumentException", "cannot convert");
        Cli.run("info", "x.safetensors", "--discretization", "euler").failsWith(2, "--discretization", "'euler'", "zoh", "bilinear");
    }

    @Test
    void launcherEntryPointPrintsToSystemOut() {
        // Main.run(String...) is what ./s4d calls: it must still print to the process's own streams.
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream saved = System.out;
        int code;
        try {
            System.setOut(new PrintStream(bytes, true, StandardCharsets.UTF_8));
            code = Main.run("--version");
        } finally {
            System.setOut(saved);
        }
        assertThat(code).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).startsWith("s4d ");
    }
}
