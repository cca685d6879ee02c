package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random quantised models for tests, built directly in integers (no float model, no calibration):
 * mantissas drawn within their widths, formats chosen as post-training quantisation would for
 * activations of real magnitude up to about 4, S4D modes stable (|Ā| &lt; 1). Values are plausible
 * rather than meaningful: signals reach every group without saturating everywhere.
 */
public final class TestModels {
    /** Bits between a width and a format: sign, 2 bits of magnitude (4) and 1 of headroom. */
    private static final int MARGIN = 4;

    private TestModels() {
    }

    public static QuantizedModel random(long seed, int dInput, int h, int modes, int layers, int classes,
                                        Readout readout, QuantConfig q) {
        ModelConfig config = ModelConfig.loihi(dInput, h, 2 * modes, layers, classes).withReadout(readout);
        SplittableRandom rng = new SplittableRandom(seed);
        int p = q.spikeBits() - MARGIN;
        int acc = q.accumulatorBits() - MARGIN;
        int fu = p;
        int fs = q.stateBits() - MARGIN;
        int fy = Math.min(acc, p);
        Map<String, Long> calibrated = new LinkedHashMap<>();

        List<QuantBlock> blocks = new ArrayList<>();
        int fIn = 0;
        QuantDense next = null;
        for (int l = 0; l < layers; l++) {
            QuantDense in = l == 0 ? dense(rng, h, dInput, q) : next;
            if (l == 0) {
                fIn = Math.min(p, acc - in.weightFraction());
                calibrated.put("input", magnitude(fIn));
            }
            in = withBias(rng, in, in.weightFraction() + (l == 0 ? fIn : blocks.get(l - 1).reluFraction()));
            QuantS4D s4d = s4d(rng, h, modes, q, fu, fs, fy);
            next = dense(rng, h, h, q);
            int fr = Math.min(p, acc - next.weightFraction());
            blocks.add(new QuantBlock(in, fu, s4d, fs, fy, fr));
            calibrated.put("u" + (l + 1), magnitude(fu));
            calibrated.put("s4d" + (l + 1), magnitude(fy));
            calibrated.put("relu" + (l + 1), magnitude(fr));
        }
        QuantDense decoder = dense(rng, classes, h, q);
        int fo = Math.min(p, acc - decoder.weightFraction());
        QuantDense output = withBias(rng, next, next.weightFraction() + blocks.get(layers - 1).reluFraction());
        decoder = withBias(rng, decoder, decoder.weightFraction() + fo);
        calibrated.put("out", magnitude(fo));
        // The mean readout integrates over the sequence: room for sums over about 2^10 tokens.
        int fz = readout == Readout.MEAN ? q.stateBits() - MARGIN - 10 : decoder.weightFraction() + fo;
        return new QuantizedModel(config, q, fIn, blocks, output, fo, decoder, fz, calibrated);
    }

    /** Gaussian tokens, length × dInput. */
    public static float[] sequence(int length, int dInput, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] s = new float[length * dInput];
        for (int i = 0; i < s.length; i++) s[i] = (float) rng.nextGaussian();
        return s;
    }

    /** A group's calibrated magnitude in its integer format: real 4, at least 1. */
    private static long magnitude(int fraction) {
        return fraction + 2 < 0 ? 1 : 1L << (fraction + 2);
    }

    /** Uniform mantissas over the whole width; the format makes real weights at most 1/√inputs. */
    private static QuantDense dense(SplittableRandom rng, int outputs, int inputs, QuantConfig q) {
        int max = (1 << (q.weightBits() - 1)) - 1;
        int[] w = new int[outputs * inputs];
        for (int i = 0; i < w.length; i++) w[i] = rng.nextInt(-max, max + 1);
        int fw = q.weightBits() - 1 + (int) Math.ceil(0.5 * Math.log(inputs) / Math.log(2));
        return new QuantDense(outputs, inputs, w, fw, new int[outputs]);
    }

    /** Biases of real size about 0.1 at the accumulator's format. */
    private static QuantDense withBias(SplittableRandom rng, QuantDense d, int accumulatorFraction) {
        int[] b = new int[d.outputs()];
        for (int i = 0; i < b.length; i++) b[i] = (int) Math.rint(rng.nextGaussian() * 0.1 * Math.scalb(1.0, accumulatorFraction));
        return new QuantDense(d.outputs(), d.inputs(), d.weights(), d.weightFraction(), b);
    }

    private static QuantS4D s4d(SplittableRandom rng, int h, int modes, QuantConfig q, int fu, int fs, int fy) {
        int n = h * modes;
        double[] aRe = new double[n];
        double[] aIm = new double[n];
        double[] bRe = new double[n];
        double[] bIm = new double[n];
        double[] cRe = new double[n];
        double[] cIm = new double[n];
        double[] d = new double[h];
        for (int i = 0; i < n; i++) {
            double radius = rng.nextDouble(0.5, 0.98);
            double angle = rng.nextDouble(0, Math.PI);
            aRe[i] = radius * Math.cos(angle);
            aIm[i] = radius * Math.sin(angle);
            // B̄ about (1 − |Ā|) keeps a mode's state the size of its input.
            double gain = (1 - radius) * rng.nextDouble(0.5, 2) * Math.scalb(1.0, fs - fu);
            double phase = rng.nextDouble(0, 2 * Math.PI);
            bRe[i] = gain * Math.cos(phase);
            bIm[i] = gain * Math.sin(phase);
            double scale = 2 * Math.scalb(1.0, fy - fs) / Math.sqrt(modes);
            cRe[i] = rng.nextGaussian() * scale;
            cIm[i] = rng.nextGaussian() * scale;
        }
        for (int c = 0; c < h; c++) d[c] = rng.nextGaussian() * 0.3 * Math.scalb(1.0, fy - fu);
        int bits = q.coefficientBits();
        int eA = exponent(bits, aRe, aIm);
        int eB = exponent(bits, bRe, bIm);
        int eC = exponent(bits, cRe, cIm);
        int eD = exponent(bits, d);
        return new QuantS4D(h, modes, mantissas(aRe, eA), mantissas(aIm, eA), eA, mantissas(bRe, eB), mantissas(bIm, eB), eB,
                mantissas(cRe, eC), mantissas(cIm, eC), eC, mantissas(d, eD), eD);
    }

    /** The largest e with max|v|·2^e ≤ 2^(bits−1) − 1. */
    private static int exponent(int bits, double[]... arrays) {
        double max = 0;
        for (double[] a : arrays) for (double v : a) max = Math.max(max, Math.abs(v));
        if (max == 0) return 0;
        long limit = (1L << (bits - 1)) - 1;
        int e = (int) Math.floor(Math.log(limit / max) / Math.log(2));
        // The logarithm may land one off at powers of two.
        while (Math.scalb(max, e) > limit) e--;
        while (Math.scalb(max, e + 1) <= limit) e++;
        return e;
    }

    private static int[] mantissas(double[] v, int e) {
        int[] out = new int[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (int) Math.rint(Math.scalb(v[i], e));
        return out;
    }
}
