package dev.s4d.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Runs the CLI in-process and keeps what it printed. */
final class Cli {
    private Cli() {
    }

    /** Exit code and output of one run; {@code err} includes anything written to System.err directly. */
    record Result(int code, String out, String err) {
        /** A failure as a user should see it: the exit code, a message naming the problem, no stack trace. */
        Result failsWith(int expectedCode, String... fragments) {
            assertThat(code).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isEqualTo(expectedCode);
            assertThat(err).contains(fragments);
            assertNoStackTrace();
            return this;
        }

        Result succeeds() {
            assertThat(code).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
            assertNoStackTrace();
            return this;
        }

        void assertNoStackTrace() {
            assertThat(out + err).doesNotContain("\tat ").doesNotContainPattern("\\b(java|com|dev|picocli)\\.[\\w.]+(Exception|Error)\\b");
        }
    }

    /**
     * Runs {@code s4d args} through {@link Main#run(PrintWriter, PrintWriter, String...)}. System.out
     * and System.err are captured too, and restored afterwards: a command that printed to System.out
     * instead of its writer would bypass whoever embeds the CLI, so that is a test failure.
     */
    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ByteArrayOutputStream strayOut = new ByteArrayOutputStream();
        ByteArrayOutputStream strayErr = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        int code;
        try {
            System.setOut(new PrintStream(strayOut, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(strayErr, true, StandardCharsets.UTF_8));
            code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        assertThat(strayOut.toString(StandardCharsets.UTF_8)).as("output that bypassed the CLI's writer").isEmpty();
        return new Result(code, out.toString(), err + strayErr.toString(StandardCharsets.UTF_8));
    }

    /** Writes a small model (H 8, N 4, one layer) with {@code init} and returns its path. */
    static Path tinyModel(Path dir, String name, String... extra) {
        Path file = dir.resolve(name);
        String[] base = {"init", "--d-model", "8", "--d-state", "4", "--layers", "1", "--out", file.toString()};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        run(args).succeeds();
        return file;
    }

    /**
     * The shared benchmark data next to the project: Maven runs tests in the module directory
     * ({@code cli/}), an IDE may run them from the project root. Empty when neither has MNIST.
     */
    static Optional<Path> sharedData() {
        for (String rel : List.of("../shared/data", "../../shared/data")) {
            Path dir = Path.of(rel).toAbsolutePath().normalize();
            if (Files.isDirectory(dir.resolve("mnist"))) return Optional.of(dir);
        }
        return Optional.empty();
    }
}
