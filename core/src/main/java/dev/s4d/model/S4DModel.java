package dev.s4d.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained (or initialised) S4D model as a value: its config and its named parameters.
 * Construction checks that every parameter the config needs is present with the right shape and
 * finite values, so engines can trust the model they compile.
 */
public record S4DModel(ModelConfig config, Parameters parameters) {

    public S4DModel {
        List<String> problems = new ArrayList<>();
        expectedShapes(config).forEach((name, shape) -> {
            if (!parameters.contains(name)) {
                problems.add("missing '" + name + "' " + java.util.Arrays.toString(shape));
            } else {
                Tensor t = parameters.get(name);
                if (!t.hasShape(shape)) {
                    problems.add("'" + name + "' has shape " + t.shapeString() + ", expected " + java.util.Arrays.toString(shape));
                } else {
                    int bad = firstNonFinite(t.data());
                    if (bad >= 0) problems.add("'" + name + "' holds " + t.data()[bad] + " at flat index " + bad);
                }
            }
        });
        Map<String, int[]> expected = expectedShapes(config);
        for (String name : parameters.names()) {
            if (!expected.containsKey(name)) problems.add("unexpected parameter '" + name + "'");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("parameters do not fit the config " + config + ": " + String.join("; ", problems));
        }
    }

    private static int firstNonFinite(float[] a) {
        for (int i = 0; i < a.length; i++) {
            if (!Float.isFinite(a[i])) return i;
        }
        return -1;
    }

    /** Every parameter a model of this config has, in the reference model's state_dict order. */
    public static Map<String, int[]> expectedShapes(ModelConfig c) {
        int h = c.dModel();
        int m = c.modes();
        Map<String, int[]> s = new LinkedHashMap<>();
        s.put(ParameterNames.ENCODER_WEIGHT, new int[]{h, c.dInput()});
        s.put(ParameterNames.ENCODER_BIAS, new int[]{h});
        for (int i = 0; i < c.nLayers(); i++) {
            s.put(ParameterNames.d(i), new int[]{h});
            s.put(ParameterNames.logDt(i), new int[]{h});
            s.put(ParameterNames.c(i), new int[]{h, m, 2});
            s.put(ParameterNames.logAReal(i), new int[]{h, m});
            s.put(ParameterNames.aImag(i), new int[]{h, m});
            s.put(ParameterNames.mixWeight(i), new int[]{c.mixerOutputs(), h, 1});
            s.put(ParameterNames.mixBias(i), new int[]{c.mixerOutputs()});
        }
        if (c.flavour() == BlockFlavour.REFERENCE) {
            for (int i = 0; i < c.nLayers(); i++) {
                s.put(ParameterNames.normWeight(i), new int[]{h});
                s.put(ParameterNames.normBias(i), new int[]{h});
            }
        }
        s.put(ParameterNames.DECODER_WEIGHT, new int[]{c.nClasses(), h});
        s.put(ParameterNames.DECODER_BIAS, new int[]{c.nClasses()});
        return s;
    }

    public Tensor get(String name) {
        return parameters.get(name);
    }

    public long parameterCount() {
        return parameters.count();
    }
}
