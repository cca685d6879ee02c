package dev.s4d.train.grad;

import dev.s4d.engine.ConvEngine;
import dev.s4d.kernel.Kernels;
import dev.s4d.model.S4DModel;
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

    /**
     * Compiles each model for the inference engine.
     *
     * @param models  the ensemble, at least one; all with the same d_input and classes
     * @param threads worker threads of each model's engine
     */
    public Teacher(List<S4DModel> models, int threads) {
        if (models.isEmpty()) throw new IllegalArgumentException("a teacher needs at least one model");
        dInput = models.getFirst().config().dInput();
        classes = models.getFirst().config().nClasses();
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
     * The ensemble's target for each sequence: the mean over the models of softmax(logits / T).
     *
     * @param sequences   a batch as {@code GradientSource.compute} takes it
     * @param temperature T &gt; 0; above 1 it flattens the targets so that the ranking of the wrong classes
     *                    weighs more (Hinton et al. 2015)
     * @return batch × classes, each row summing to 1
     */
    public double[][] probabilities(float[][] sequences, double temperature) {
        double[][] mean = new double[sequences.length][classes];
        for (int m = 0; m < engines.size(); m++) {
            float[][] logits = engines.get(m).logits(sequences);
            for (int b = 0; b < sequences.length; b++) {
                double[] p = DoubleLayers.softmax(logits[b], temperature);
                for (double v : p) {
                    if (!Double.isFinite(v)) {
                        throw new IllegalStateException("teacher model " + (m + 1) + " gave sample " + b + " of the batch the non-finite logits "
                                + java.util.Arrays.toString(logits[b]));
                    }
                }
                for (int c = 0; c < classes; c++) mean[b][c] += p[c] / engines.size();
            }
        }
        return mean;
    }
}
