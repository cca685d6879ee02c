package dev.s4d.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** An ordered, unmodifiable set of named tensors. */
public final class Parameters {
    private final Map<String, Tensor> tensors;

    public Parameters(Map<String, Tensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) throw new IllegalArgumentException("model has no parameter '" + name + "'");
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public Map<String, Tensor> asMap() {
        return tensors;
    }

    /** Total number of scalar values; complex C counts twice (real and imaginary part). */
    public long count() {
        long n = 0;
        for (Tensor t : tensors.values()) n += t.size();
        return n;
    }

    /** A deep copy, so training can change values without touching models that share these. */
    public Parameters copy() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        tensors.forEach((k, t) -> m.put(k, new Tensor(t.shape(), t.data().clone())));
        return new Parameters(m);
    }

    /** Zeros of the same names and shapes: a gradient buffer for these parameters. */
    public Parameters zerosLike() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        tensors.forEach((k, t) -> m.put(k, Tensor.zeros(t.shape())));
        return new Parameters(m);
    }
}
