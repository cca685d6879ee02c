package dev.s4d.train.grad;

import dev.s4d.model.ModelConfig;

/**
 * Knowledge distillation in the training loss: per sample the loss is
 * {@code (1 − w)·CE(z; target) + w·T²·KL(q ‖ softmax(z/T))}, z the student's logits, target its label
 * (smoothed if so asked), q the {@link Teacher}'s probabilities at temperature T. Its gradient with
 * respect to z is {@code (1 − w)·(softmax(z) − target) + w·T·(softmax(z/T) − q)}; the factor T²
 * keeps the soft term's gradient the same size whatever T (Hinton, Vinyals and Dean 2015). With
 * T = 1 and w = 1 it is the cross-entropy against the teacher's probabilities less their entropy.
 *
 * @param teacher     the frozen models the targets come from
 * @param weight      w, the share of the loss that is the teacher's, in (0, 1]
 * @param temperature T, positive
 */
public record Distillation(Teacher teacher, double weight, double temperature) {

    /** Checks the settings; see the record's parameters for their ranges. */
    public Distillation {
        if (teacher == null) throw new IllegalArgumentException("distillation needs a teacher");
        if (!(weight > 0 && weight <= 1)) throw new IllegalArgumentException("the distillation weight must be in (0, 1], got " + weight);
        if (!(temperature > 0 && Double.isFinite(temperature))) {
            throw new IllegalArgumentException("the distillation temperature must be a positive number, got " + temperature);
        }
    }

    /**
     * {@code d} (which may be null: no distillation), after checking that its teacher reads the
     * student's tokens and scores its classes.
     */
    static Distillation requireFits(ModelConfig student, Distillation d) {
        if (d != null && (d.teacher.dInput() != student.dInput() || d.teacher.classes() != student.nClasses())) {
            throw new IllegalArgumentException("the teacher reads " + d.teacher.dInput() + " features per token into " + d.teacher.classes()
                    + " classes, the student " + student.dInput() + " into " + student.nClasses());
        }
        return d;
    }

    /** The teacher's targets for a batch. */
    double[][] targets(float[][] sequences) {
        return teacher.probabilities(sequences, temperature);
    }
}
