package dev.s4d.cli;

import dev.s4d.io.ImportOptions;
import dev.s4d.io.ModelFiles;
import dev.s4d.io.SafeTensors;
import dev.s4d.loihi.quant.QuantizedModelFiles;
import dev.s4d.model.S4DModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Checks on the files a command reads and writes, made before any work. Without them the failure
 * comes from deep inside: a bare "Is a directory" with no path, or the name of a temporary file the
 * user never asked for.
 */
final class CliFiles {
    private CliFiles() {
    }

    /** Fails, naming the path, unless {@code file} is an existing file ({@code what}: "model file", …). */
    static void requireFile(Path file, String what) {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(what + " " + file + " is a directory");
        if (!Files.exists(file)) throw new IllegalArgumentException("no such " + what + ": " + file);
    }

    /** Fails, naming the path, unless a file can be created or replaced at {@code file}. */
    static void requireWritable(Path file, String what) {
        Path absolute = file.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException("cannot write " + what + " " + file + ": it is a directory");
        }
        Path dir = absolute.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("cannot write " + what + " " + file + ": directory " + dir + " does not exist");
        }
    }

    /** Loads a float model; a quantised file is refused with where it belongs rather than the loader's bare "not a float model". */
    static S4DModel loadModel(Path file, ImportOptions options) throws IOException {
        if (isQuantised(file)) {
            throw new IllegalArgumentException(file + " is a quantised model (written by s4d quantize), and this command takes a"
                    + " float model: run a quantised one with s4d loihi --model " + file + " (--stream for token by token, or s4d live),"
                    + " or pass the float model it was quantised from");
        }
        return ModelFiles.load(file, options);
    }

    static S4DModel loadModel(Path file) throws IOException {
        return loadModel(file, ImportOptions.defaults());
    }

    /** Whether an existing model file holds a quantised model (written by {@code s4d quantize}) rather than a float one. */
    static boolean isQuantised(Path file) throws IOException {
        requireFile(file, "model file");
        return QuantizedModelFiles.KIND.equals(SafeTensors.metadata(file).get(ModelFiles.KIND_KEY));
    }
}
