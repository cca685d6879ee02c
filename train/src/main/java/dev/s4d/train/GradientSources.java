package dev.s4d.train;

import dev.s4d.kernel.Kernels;
import dev.s4d.model.ModelConfig;
import dev.s4d.train.grad.Distillation;
import dev.s4d.train.grad.FloatGradients;
import dev.s4d.train.grad.LabelSmoothing;
import dev.s4d.train.grad.Teacher;

/** Where the command line gets the gradient code of a model: the one place the backward pass is chosen. */
public final class GradientSources {
    private GradientSources() {
    }

    /**
     * The gradient source for models of {@code config} trained with {@code training}'s dropout, label
     * smoothing, batch norms and thread count (the forward and backward passes' worker threads), learning from the
     * labels alone.
     */
    public static GradientSource forModel(ModelConfig config, TrainConfig training) {
        return forModel(config, training, null);
    }

    /**
     * As {@link #forModel(ModelConfig, TrainConfig)}, distilling from {@code teacher} at {@code training}'s
     * weight and temperature.
     *
     * @param teacher the models of {@code training.teachers()}, loaded; null exactly when that list is empty
     */
    public static GradientSource forModel(ModelConfig config, TrainConfig training, Teacher teacher) {
        if ((teacher == null) != training.teachers().isEmpty()) {
            throw new IllegalArgumentException(teacher == null ? "the settings distil from " + training.teachers().size()
                    + " teacher file(s), but no teacher was loaded" : "a teacher was given, but the settings name no teacher files");
        }
        if (teacher != null && teacher.size() != training.teachers().size()) {
            throw new IllegalArgumentException("the settings name " + training.teachers().size() + " teacher files, the teacher has "
                    + teacher.size() + " models");
        }
        Distillation distillation = teacher == null ? null : new Distillation(teacher, training.distillWeight(), training.distillTemperature());
        return new FloatGradients(config, training.dropout(), new LabelSmoothing(training.labelSmoothing()), distillation,
                training.batchNorm(), training.threads(), Kernels.best());
    }
}
