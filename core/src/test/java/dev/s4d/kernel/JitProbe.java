package dev.s4d.kernel;

import java.util.SplittableRandom;

/**
 * The vector kernels' outputs on fixed inputs, as one checksum of their bits: {@link
 * VectorKernelsTest#answersDoNotDependOnTheJit} compares the checksum of a JVM that only interprets
 * (the Vector API's Java fallback) with that of the test's JVM after C2 has compiled the kernels.
 */
final class JitProbe {
    private JitProbe() {
    }

    public static void main(String[] args) {
        System.out.println(checksum());
    }

    /** Runs every kernel with transcendental or reduced results (GELU, GLU, their backward passes, LayerNorm, small linear) once. */
    static long checksum() {
        Kernels k = VectorKernels.create();
        SplittableRandom rnd = new SplittableRandom(5);
        int rows = 3, width = 37, n = rows * width;
        float[] x = values(rnd, n, 6);
        float[] z = values(rnd, 2 * n, 12);
        float[] w = values(rnd, width * width, 0.3);
        long h = 17;

        float[] gelu = x.clone();
        k.gelu(gelu, 0, n);
        h = mix(h, gelu);
        float[] g = values(rnd, n, 1);
        k.geluBackward(x, 0, g, 0, n);
        h = mix(h, g);
        float[] glu = new float[n];
        k.glu(z, rows, width, glu);
        h = mix(h, glu);
        float[] gateExp = new float[n];
        k.gluForward(z, rows, width, glu, gateExp);
        h = mix(mix(h, glu), gateExp);
        float[] dz = new float[2 * n];
        k.gluBackward(z, gateExp, x, rows, width, dz);
        h = mix(h, dz);
        float[] norm = x.clone();
        k.layerNorm(norm, rows, width, values(rnd, width, 1), values(rnd, width, 1), 1e-5f);
        h = mix(h, norm);
        float[] y = new float[n];
        k.linear(x, 0, rows, width, w, null, width, y, 0);
        return mix(h, y);
    }

    private static float[] values(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }

    private static long mix(long h, float[] a) {
        for (float v : a) h = h * 1_000_003 + Float.floatToRawIntBits(v);
        return h;
    }
}
