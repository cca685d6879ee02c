package dev.s4d.kernel;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A quick throughput check of the vector kernels against the scalar specification, run by hand (not a
 * test). After {@code ./mvnw -o -pl core test-compile}:
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp core/target/classes:core/target/test-classes \
 *        dev.s4d.kernel.KernelSpeed
 * </pre>
 * Each figure is the best of several rounds of repeated calls after a warm-up that waits for the JIT
 * (timing on a shared machine is noisy; compare the ratios within one run). Flop counts: linear 2·rows·in·out; the diagonal step 11 per
 * stream × mode × channel (the specification's multiplies and adds).
 */
public final class KernelSpeed {
    private KernelSpeed() {
    }

    private static final Kernels SCALAR = Kernels.scalar();
    private static final Kernels VECTOR = VectorKernels.create();
    private static volatile float sink;

    /** Best time per call in ns over {@code rounds} rounds of at least {@code minNanos} each. */
    private static double time(Runnable op, int rounds, long minNanos) {
        double best = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            int calls = 0;
            long start = System.nanoTime(), now;
            do {
                op.run();
                calls++;
                now = System.nanoTime();
            } while (now - start < minNanos);
            best = Math.min(best, (now - start) / (double) calls);
        }
        return best;
    }

    /**
     * Time per call in steady state. Vector API code is very slow until C2 has compiled it (the
     * interpreter and C1 box every vector), which can take seconds on a busy machine, so this first runs
     * the operation until four successive 50 ms rounds stop improving on the best by 2 % (at most 10 s),
     * then takes the best of 7 further rounds.
     */
    private static double measure(Runnable op) {
        double best = Double.MAX_VALUE;
        int stale = 0;
        long start = System.nanoTime();
        while (stale < 4 && System.nanoTime() - start < 10_000_000_000L) {
            double t = time(op, 1, 50_000_000L);
            stale = t < 0.98 * best ? 0 : stale + 1;
            best = Math.min(best, t);
        }
        return Math.min(best, time(op, 7, 30_000_000L));
    }

    private static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        return a;
    }

    /** Prints the scalar and vector time per element of the operation op makes for each. */
    private static void compare(String name, int elements, java.util.function.Function<Kernels, Runnable> op) {
        double ts = measure(op.apply(SCALAR)), tv = measure(op.apply(VECTOR));
        System.out.printf("  %-24s %7.2f  %7.3f   %6.1f×%n", name, ts / elements, tv / elements, ts / tv);
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        System.out.printf("vector kernels: %s; %s%n", VECTOR.name(), Runtime.version());
        SplittableRandom rnd = new SplittableRandom(1);

        System.out.println("\nlinear (GFLOP/s)        scalar   vector   vector   vector/scalar");
        System.out.println("                                  unpacked packed   (packed)");
        for (int[] shape : new int[][]{{64, 128}, {128, 256}}) {
            int in = shape[0], out = shape[1];
            for (int rows : new int[]{1, 64, 4096}) {
                float[] x = random(rnd, rows * in, 1), w = random(rnd, out * in, 0.1), b = random(rnd, out, 1);
                float[] y = new float[rows * out];
                PackedWeights pw = VECTOR.pack(w, out, in);
                double flops = 2.0 * rows * in * out;
                double ts = measure(() -> SCALAR.linear(x, 0, rows, in, w, b, out, y, 0));
                double tu = measure(() -> VECTOR.linear(x, 0, rows, in, w, b, out, y, 0));
                double tp = measure(() -> VECTOR.linear(x, 0, rows, pw, b, y, 0));
                sink += y[0];
                System.out.printf("  rows %4d, %3d→%3d   %6.2f  %7.2f  %7.2f   %6.1f×%n",
                        rows, in, out, flops / ts, flops / tu, flops / tp, ts / tp);
            }
        }

        System.out.println("\ndiagonalStep, H 64, 32 modes    scalar     vector     vector/scalar");
        int channels = 64, modes = 32;
        for (int streams : new int[]{1, 1024}) {
            int n = modes * channels, states = streams * n;
            float[] aRe = random(rnd, n, 0.7), aIm = random(rnd, n, 0.7), cRe = random(rnd, n, 1),
                    cIm = random(rnd, n, 1), d = random(rnd, channels, 1);
            float[] u = random(rnd, streams * channels, 1), y = new float[streams * channels];
            float[] sRe = random(rnd, states, 1), sIm = random(rnd, states, 1);
            double flops = 11.0 * states;
            double ts = measure(() -> SCALAR.diagonalStep(streams, channels, modes, aRe, aIm, cRe, cIm, d, u, 0, sRe, sIm, 0, y, 0));
            double tv = measure(() -> VECTOR.diagonalStep(streams, channels, modes, aRe, aIm, cRe, cIm, d, u, 0, sRe, sIm, 0, y, 0));
            sink += y[0];
            System.out.printf("  streams %4d  GFLOP/s      %6.2f     %6.2f     %6.1f×%n", streams, flops / ts, flops / tv, ts / tv);
            System.out.printf("                µs per step  %8.1f   %8.1f   (vector: %.1f GB/s of state read+written)%n",
                    ts / 1e3, tv / 1e3, 16.0 * states / tv);
        }

        System.out.println("\nelement-wise (ns per element)   scalar   vector   vector/scalar");
        int len = 64 * 1024;
        float[] base = random(rnd, 2 * len, 4);
        float[] a = new float[len], out = new float[len], wt = random(rnd, 256, 1), bs = random(rnd, 256, 1);
        String[] names = {"gelu", "relu", "glu", "layerNorm (width 256)", "add"};
        for (int k = 0; k < names.length; k++) {
            int which = k;
            java.util.function.Function<Kernels, Runnable> op = kern -> () -> {
                System.arraycopy(base, 0, a, 0, len);
                switch (which) {
                    case 0 -> kern.gelu(a, 0, len);
                    case 1 -> kern.relu(a, 0, len);
                    case 2 -> kern.glu(base, len / 256, 256, out);
                    case 3 -> kern.layerNorm(a, len / 256, 256, wt, bs, 1e-5f);
                    default -> kern.add(a, 0, base, len, len);
                }
            };
            compare(names[k], len, op);
        }
        System.out.println("(the element-wise figures include a copy of the input)");

        // The training pairs: a forward pass keeping what its backward pass needs, then that backward pass.
        System.out.println("\ntraining pairs (ns per element)     scalar   vector   vector/scalar");
        float[] gate = new float[len], g = new float[len], dz = new float[2 * len];
        compare("gelu, geluBackward", len, kern -> () -> {
            System.arraycopy(base, 0, a, 0, len);
            kern.gelu(a, 0, len);
            kern.geluBackward(base, 0, g, 0, len);
        });
        compare("gluForward, gluBackward", len, kern -> () -> {
            kern.gluForward(base, len / 256, 256, out, gate);
            kern.gluBackward(base, gate, a, len / 256, 256, dz);
        });
        if (sink == 12345f) System.out.println();
    }
}
