package dev.s4d.cli;

import java.io.Console;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code s4d} command: a thin layer over the s4d-core API. */
@Command(name = "s4d",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Diagonal state space models (S4D) on streams: train them, run them offline or token by token,"
                + " or as the Loihi 2 neuromorphic chip would.",
        subcommands = {
                DemoCommand.class,
                InfoCommand.class,
                InitCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                AverageCommand.class,
                CurvesCommand.class,
                StreamCommand.class,
                LiveCommand.class,
                BenchCommand.class,
                QuantizeCommand.class,
                LoihiCommand.class,
                AblateCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    /**
     * Whether progress bars may redraw one line in place with carriage returns. Only right on a
     * terminal: in a log file or a test's captured output every redraw would stay as a separate line.
     */
    final boolean progressInPlace;

    private Main(boolean progressInPlace) {
        this.progressInPlace = progressInPlace;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line on System.out and System.err and returns its exit code: 0 success, 1 failure, 2 bad usage. */
    public static int run(String... args) {
        return execute(new CommandLine(new Main(stderrIsTerminal())), args);
    }

    /**
     * Runs a command line printing to the given writers instead of System.out and System.err (for
     * embedding and tests). Progress is then printed as plain lines, never redrawn in place.
     */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main(false));
        cl.setOut(out);
        cl.setErr(err);
        try {
            return execute(cl, args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int execute(CommandLine cl, String... args) {
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Expected failures (bad files, bad data, wrong shapes) carry a message meant for the user;
            // a stack trace would only bury it. -Ds4d.debug=true shows it anyway.
            cmd.getErr().println("s4d " + cmd.getCommandName() + ": error: " + describe(ex));
            if (Boolean.getBoolean("s4d.debug")) ex.printStackTrace(cmd.getErr());
            cmd.getErr().flush();
            return 1;
        });
        return cl.execute(args);
    }

    /**
     * Java cannot ask whether file descriptor 2 is a terminal: System.console() looks at stdin and
     * stdout, so {@code s4d eval ... 2> log} would still redraw. The ./s4d launcher knows ({@code [ -t 2 ]})
     * and says so in -Ds4d.stderr.tty; without it the console is the best guess.
     */
    static boolean stderrIsTerminal() {
        String told = System.getProperty("s4d.stderr.tty");
        if (told != null) return Boolean.parseBoolean(told);
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    private static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        // These two carry only the path as their message.
        if (ex instanceof java.nio.file.NoSuchFileException) msg = "no such file: " + msg;
        if (ex instanceof java.nio.file.AccessDeniedException) msg = "permission denied: " + msg;
        if (ex instanceof OutOfMemoryError) msg = "out of memory; raise -Xmx via S4D_JAVA_OPTS";
        return msg;
    }

    /** Version from the jar manifest when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[]{"s4d " + (v == null ? "(development build)" : v),
                    "Java " + Runtime.version() + ", kernels: " + dev.s4d.kernel.Kernels.best().name()};
        }
    }
}
