package dev.s4d.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A model or tensor file that cannot be used: malformed safetensors, or tensors that do not form a
 * valid S4D model. The message starts with the file's path and says what was expected and what was
 * found, so a user can act on it without a debugger.
 *
 * <p>It is an {@link IOException} because it is raised by the same calls that can fail with plain I/O
 * errors (missing file, full disk); callers handle both in one place.
 */
public final class ModelFileException extends IOException {
    private final transient Path path;

    public ModelFileException(Path path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    public ModelFileException(Path path, String problem, Throwable cause) {
        super(path + ": " + problem, cause);
        this.path = path;
    }

    /** The file the problem is in. */
    public Path path() {
        return path;
    }
}
