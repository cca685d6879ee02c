package dev.s4d.cli;

import dev.s4d.model.S4DModel;
import dev.s4d.train.TeacherFile;
import dev.s4d.train.TrainConfig;
import dev.s4d.train.grad.Teacher;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The teachers of a distilling run (train's --teacher, quantize's --qaft-teacher): named on the command line, loaded for the gradient code. */
final class TeacherModels {

    /** The teachers' share of the loss when a teacher comes without a weight: an even blend. */
    static final double DEFAULT_WEIGHT = 0.5;

    private TeacherModels() {
    }

    /**
     * The files {@code option} names, as they are now (path and digest).
     *
     * @return null when the option was not given
     */
    static List<TeacherFile> read(List<Path> given, String option) throws IOException {
        if (given == null) return null;
        List<TeacherFile> files = new ArrayList<>();
        for (Path t : given) {
            if (!Files.isRegularFile(t)) throw new IllegalArgumentException(option + " " + t + " is not a file");
            files.add(TeacherFile.of(t));
        }
        return files;
    }

    /**
     * The models of {@code config.teachers()}, said on {@code out}.
     *
     * @param checkDigests whether to check each file against the digest the run recorded: needed for
     *                     files known only from a checkpoint, not for those just {@linkplain #read read}
     * @return null when the run distils from nothing
     */
    static Teacher load(TrainConfig config, boolean checkDigests, PrintWriter out) throws Exception {
        List<TeacherFile> files = config.teachers();
        if (files.isEmpty()) return null;
        List<S4DModel> models = new ArrayList<>();
        for (TeacherFile file : files) {
            Path at = Path.of(file.path());
            if (checkDigests) file.requireSameContent(at);
            models.add(CliFiles.loadModel(at));
        }
        out.printf(Locale.ROOT, "distilling from %d teacher%s at weight %s, temperature %s: %s%n", files.size(), files.size() == 1 ? "" : "s",
                config.distillWeight(), config.distillTemperature(), String.join(", ", files.stream().map(TeacherFile::path).toList()));
        return new Teacher(models, config.threads());
    }
}
