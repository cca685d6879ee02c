package dev.s4d.data;

import java.nio.file.Path;

/**
 * A dataset file (or bundled resource) could not be read or is not what it claims to be.
 *
 * <p>Messages start with the file they are about, then say what was expected and what was found,
 * so a user can tell a truncated download from a wrong file without a debugger. The exception is
 * unchecked because callers (training loops, the CLI) can do nothing but report it.
 */
public class DatasetException extends RuntimeException {
    private final String source;

    /**
     * @param source  the file or resource the problem is about, or {@code null} when there is none
     * @param problem what was expected and what was found
     */
    public DatasetException(String source, String problem) {
        this(source, problem, null);
    }

    /**
     * @param source  the file or resource the problem is about, or {@code null} when there is none
     * @param problem what was expected and what was found
     * @param cause   the low-level failure, kept for the stack trace
     */
    public DatasetException(String source, String problem, Throwable cause) {
        super(source == null ? problem : source + ": " + problem, cause);
        this.source = source;
    }

    /** Same as {@link #DatasetException(String, String)} with the file's path as the source. */
    public DatasetException(Path file, String problem) {
        this(file.toString(), problem, null);
    }

    /** Same as {@link #DatasetException(String, String, Throwable)} with the file's path as the source. */
    public DatasetException(Path file, String problem, Throwable cause) {
        this(file.toString(), problem, cause);
    }

    /** The file or resource the problem is about, or {@code null}. */
    public String source() {
        return source;
    }
}
