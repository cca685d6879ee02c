package dev.s4d.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: it prints through the CommandLine's writers rather than
 * System.out/err, so that whoever runs {@link Main} (a test, an embedding program) decides where
 * the output goes.
 */
abstract class CliCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    /** A progress line on the error writer, redrawn in place only when that is a terminal. */
    ProgressBar progress(String label, long total, String unit) {
        return new ProgressBar(label, total, unit, spec.commandLine().getErr(), main != null && main.progressInPlace);
    }
}
