package dev.s4d.model;

import java.util.Arrays;

/**
 * A named model parameter's values: a shape and a flat row-major float array.
 * The array is shared, not copied; engines copy what they compile, so mutating a tensor after
 * compiling an engine does not change that engine.
 */
public record Tensor(int[] shape, float[] data) {

    public Tensor {
        shape = shape.clone();
        checkShape(shape, data.length);
    }

    public static Tensor zeros(int... shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return new Tensor(shape, new float[Math.toIntExact(n)]);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    public int size() {
        return data.length;
    }

    public boolean hasShape(int... expected) {
        return Arrays.equals(shape, expected);
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor" + shapeString();
    }

    /** Fails unless {@code shape} has no negative dimension and holds exactly {@code length} values. */
    public static void checkShape(int[] shape, int length) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            n *= d;
        }
        if (n != length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " values but the data has " + length);
        }
    }
}
