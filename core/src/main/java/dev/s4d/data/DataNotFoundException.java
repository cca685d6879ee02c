package dev.s4d.data;

import java.util.List;

/**
 * The files of a dataset split are in none of the searched directories, and downloading them was
 * disabled or failed. The message lists the files needed, every directory searched, and how to
 * provide the files.
 */
public final class DataNotFoundException extends DatasetException {
    private final Corpus corpus;
    private final Split split;
    private final List<String> neededFiles;
    private final List<DataLocator.Location> searched;

    DataNotFoundException(String message, Corpus corpus, Split split, List<String> neededFiles,
                          List<DataLocator.Location> searched, Throwable cause) {
        super((String) null, message, cause);
        this.corpus = corpus;
        this.split = split;
        this.neededFiles = List.copyOf(neededFiles);
        this.searched = List.copyOf(searched);
    }

    /** The corpus that was looked for. */
    public Corpus corpus() {
        return corpus;
    }

    /** The split that was looked for. */
    public Split split() {
        return split;
    }

    /** File names needed (IDX files may also be present with a {@code .gz} suffix). */
    public List<String> neededFiles() {
        return neededFiles;
    }

    /** The directories searched, in order. */
    public List<DataLocator.Location> searched() {
        return searched;
    }
}
