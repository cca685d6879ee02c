package dev.s4d.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code s4d} command: a thin layer over the s4d-core API. */
@Command(name = "s4d",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Diagonal state space models (S4D) on streams: run offline or token by token.",
        subcommands = {
                DemoCommand.class,
                InfoCommand.class,
                InitCommand.class,
                EvalCommand.class,
                StreamCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code: 0 success, 1 failure, 2 bad usage. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Expected failures (bad files, bad data, wrong shapes) carry a message meant for the user;
            // a stack trace would only bury it. -Ds4d.debug=true shows it anyway.
            cmd.getErr().println("s4d " + cmd.getCommandName() + ": error: " + describe(ex));
            if (Boolean.getBoolean("s4d.debug")) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cl.execute(args);
    }

    private static String describe(Throwable ex) {
        String msg = ex.getMessage();
        if (msg == null || msg.isBlank()) msg = ex.getClass().getSimpleName();
        if (ex instanceof java.nio.file.NoSuchFileException) msg = "no such file: " + msg;
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
