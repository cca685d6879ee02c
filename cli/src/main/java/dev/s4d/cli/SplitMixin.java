package dev.s4d.cli;

import dev.s4d.data.Split;
import picocli.CommandLine.Option;

/** The option of commands that read one split of a dataset. */
final class SplitMixin {
    @Option(names = "--split", paramLabel = "test|train", description = "Split to read (default test).")
    String id = "test";

    /** The chosen split; fails naming the accepted ones. */
    Split get() {
        return Split.fromId(id);
    }
}
