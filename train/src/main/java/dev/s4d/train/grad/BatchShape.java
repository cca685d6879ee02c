package dev.s4d.train.grad;

import dev.s4d.model.ModelConfig;
import dev.s4d.model.Parameters;
import java.util.Arrays;
import java.util.Map;

/**
 * The size and sequence length of a batch handed to a gradient source, found while checking the
 * arguments of {@code GradientSource.compute}: that boundary is where wrong shapes are caught with a
 * message saying what was expected, so the passes themselves can trust their inputs.
 */
record BatchShape(int size, int length) {

    static BatchShape check(ModelConfig config, float[][] sequences, int[] labels) {
        if (sequences.length == 0) throw new IllegalArgumentException("empty batch");
        if (labels.length != sequences.length) {
            throw new IllegalArgumentException(sequences.length + " sequences but " + labels.length + " labels");
        }
        int values = sequences[0].length;
        for (int i = 0; i < sequences.length; i++) {
            if (sequences[i].length != values) {
                throw new IllegalArgumentException("sequence " + i + " has " + sequences[i].length
                        + " values but sequence 0 has " + values + "; a batch needs equal lengths");
            }
            if (labels[i] < 0 || labels[i] >= config.nClasses()) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is outside [0, "
                        + config.nClasses() + ")");
            }
        }
        if (values == 0 || values % config.dInput() != 0) {
            throw new IllegalArgumentException("a sequence must hold a positive multiple of d_input="
                    + config.dInput() + " values, got " + values);
        }
        return new BatchShape(sequences.length, values / config.dInput());
    }

    /** Checks that {@code p} has every parameter training the config needs, with its shape (what=params or grads). */
    static void checkParameters(ModelConfig config, boolean batchNorm, Parameters p, String what) {
        Map<String, int[]> expected = BatchNorms.trainedShapes(config, batchNorm);
        expected.forEach((name, shape) -> {
            if (!p.contains(name)) {
                throw new IllegalArgumentException(what + " lack '" + name + "' " + Arrays.toString(shape));
            }
            if (!p.get(name).hasShape(shape)) {
                throw new IllegalArgumentException(what + ": '" + name + "' has shape " + p.get(name).shapeString()
                        + ", expected " + Arrays.toString(shape));
            }
        });
    }
}
