package dev.s4d.train.grad;

import dev.s4d.engine.ConvEngine;
import dev.s4d.kernel.Kernels;
import dev.s4d.model.S4DModel;
import dev.s4d.train.Augmentation;
import java.util.ArrayList;
import java.util.List;

/**
 * One or more frozen trained models whose class probabilities a student is taught toward
 * (knowledge distillation). Several models act as one ensemble: their probabilities, each at the
 * distillation temperature, are averaged. They run on the inference engine without dropout and see
 * exactly the (augmented) sequences the student sees, so a target never disagrees with its input.
 * Any architecture and flavour may teach as long as it reads the same tokens and names the same
 * classes, e.g. a reference-flavour model teaching a loihi-flavour one.
 *
 * <p>Deterministic: a sample's targets depend on nothing but the sample, whatever the thread count,
 * so a resumed distillation run takes the same steps as an uninterrupted one.
 */
public final class Teacher {
    private final List<ConvEngine> engines = new ArrayList<>();
    private final int dInput;
    private final int classes;
    private final int mirrorWidth;

    /**
     * Compiles each model for the inference engine.
     *
     * @param models  the ensemble, at least one; all with the same d_input and classes
     * @param threads worker threads of each model's engine
     */
    public Teacher(List<S4DModel> models, int threads) {
        this(models, threads, 0);
    }

    /**
     * As {@link #Teacher(List, int)}, but with {@code mirrorWidth} &gt; 0 every model also sees each
     * sequence mirrored left to right (a picture in rows of that many tokens) and its probabilities are
     * the mean over the two views: test-time augmentation, a stronger teacher at twice the cost.
     *
     * @param mirrorWidth tokens per image row, or 0 for the sequences as they are
     */
    public Teacher(List<S4DModel> models, int threads, int mirrorWidth) {
        if (models.isEmpty()) throw new IllegalArgumentException("a teacher needs at least one model");
        if (mirrorWidth < 0) throw new IllegalArgumentException("mirrorWidth must be 0 or a row width, got " + mirrorWidth);
        dInput = models.getFirst().config().dInput();
        classes = models.getFirst().config().nClasses();
        this.mirrorWidth = mirrorWidth;
        for (int i = 0; i < models.size(); i++) {
            var c = models.get(i).config();
            if (c.dInput() != dInput || c.nClasses() != classes) {
                throw new IllegalArgumentException("teacher model " + (i + 1) + " reads " + c.dInput() + " features per token into "
                        + c.nClasses() + " classes, teacher model 1 reads " + dInput + " into " + classes);
            }
            engines.add(ConvEngine.compile(models.get(i), Kernels.best(), threads));
        }
    }

    /** Features per token the models read. */
    public int dInput() {
        return dInput;
    }

    /** Classes the models score. */
    public int classes() {
        return classes;
    }

    /** How many models are averaged. */
    public int size() {
        return engines.size();
    }

    /**
     * The ensemble's target for each sequence: the mean over the models (and, when mirroring, the two
     * views) of softmax(logits / T).
     *
     * @param sequences   a batch as {@code GradientSource.compute} takes it
     * @param temperature T &gt; 0; above 1 it flattens the targets so that the ranking of the wrong classes
     *                    weighs more (Hinton et al. 2015)
     * @return batch × classes, each row summing to 1
     */
    public double[][] probabilities(float[][] sequences, double temperature) {
        List<float[][]> views = new ArrayList<>();
        views.add(sequences);
        if (mirrorWidth > 0) {
            float[][] mirrors = new float[sequences.length][];
            for (int b = 0; b < sequences.length; b++) mirrors[b] = Augmentation.mirrored(sequences[b], dInput, mirrorWidth);
            views.add(mirrors);
        }
        int terms = engines.size() * views.size();
        double[][] mean = new double[sequences.length][classes];
        for (int m = 0; m < engines.size(); m++) {
            for (float[][] view : views) {
                float[][] logits = engines.get(m).logits(view);
                for (int b = 0; b < sequences.length; b++) {
                    double[] p = DoubleLayers.softmax(logits[b], temperature);
                    for (double v : p) {
                        if (!Double.isFinite(v)) {
                            throw new IllegalStateException("teacher model " + (m + 1) + " gave sample " + b + " of the batch the non-finite logits "
                                    + java.util.Arrays.toString(logits[b]));
                        }
                    }
                    for (int c = 0; c < classes; c++) mean[b][c] += p[c] / terms;
                }
            }
        }
        return mean;
    }
}
