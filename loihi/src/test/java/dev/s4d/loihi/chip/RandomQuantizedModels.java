package dev.s4d.loihi.chip;

import dev.s4d.loihi.quant.Overflow;
import dev.s4d.loihi.quant.QuantBlock;
import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantDense;
import dev.s4d.loihi.quant.QuantS4D;
import dev.s4d.loihi.quant.QuantizedModel;
import dev.s4d.loihi.quant.Rounding;
import dev.s4d.model.BlockFlavour;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Random integer models for agreement tests: sizes, bit widths, formats and every mantissa drawn from
 * a seed. The shifts aim each value at a few bits inside its width and then jitter by up to ±2 bits,
 * so most models run with occasional saturations and some with many; shifts of every sign occur.
 */
public final class RandomQuantizedModels {
    private RandomQuantizedModels() {
    }

    public static QuantizedModel model(long seed, Readout readout, Rounding rounding, Overflow overflow) {
        SplittableRandom rng = new SplittableRandom(seed);
        int layers = 1 + rng.nextInt(3);
        int h = 1 + rng.nextInt(5);
        int modes = 1 + rng.nextInt(3);
        int dInput = 1 + rng.nextInt(3);
        int classes = 2 + rng.nextInt(3);
        ModelConfig config = new ModelConfig(dInput, h, 2 * modes, layers, classes, BlockFlavour.LOIHI, false, readout,
                Discretization.ZOH);
        int w = 3 + rng.nextInt(6);
        int cb = 6 + rng.nextInt(11);
        int s = 10 + rng.nextInt(15);
        int p = 6 + rng.nextInt(19);
        int acc = 10 + rng.nextInt(15);
        QuantConfig q = new QuantConfig(w, cb, s, p, acc, rounding, overflow, 1, 256);
        int tDense = denseBits(q);
        int tAcc = tDense + w - 1; // a dense accumulator: payloads of tDense bits times weights of w − 1 bits

        int inputFraction = rng.nextInt(-2, 9);
        List<QuantBlock> blocks = new ArrayList<>();
        int fSender = inputFraction;
        for (int l = 0; l < layers; l++) {
            QuantDense in = dense(rng, h, l == 0 ? dInput : h, q);
            int uFraction = in.weightFraction() + fSender - (tAcc - (p - 3) + jitter(rng));
            int yFraction = uFraction + rng.nextInt(-3, 4);
            int reluFraction = yFraction - ((p - 4) - tDense + jitter(rng));
            blocks.add(new QuantBlock(in, uFraction, s4d(rng, h, modes, q), uFraction + rng.nextInt(-3, 4), yFraction, reluFraction));
            fSender = reluFraction;
        }
        QuantDense outputLinear = dense(rng, h, h, q);
        int outputFraction = outputLinear.weightFraction() + fSender - (tAcc - tDense + jitter(rng));
        QuantDense decoder = dense(rng, classes, h, q);
        int fAcc = decoder.weightFraction() + outputFraction;
        // Mean readout: about 20 accumulators summed into S bits.
        int logitFraction = readout == Readout.MEAN ? fAcc - (tAcc + 5 - (s - 2) + jitter(rng)) : fAcc;

        Map<String, Long> calibrated = new LinkedHashMap<>();
        for (ChipTopology.NeuronGroup g : new ChipTopology(config).neuronGroups()) {
            if (g.kind() != ChipTopology.NeuronKind.CLASS) calibrated.put(g.name(), 1L << Math.max(0, p - 2 - rng.nextInt(8)));
        }
        return new QuantizedModel(config, q, inputFraction, blocks, outputLinear, outputFraction, decoder, logitFraction, calibrated);
    }

    /**
     * A random sequence for {@code m}: Gaussian features whose payloads are about as large as a payload
     * feeding the encoder should be, one in ten of them 2^(P − that + 1) times larger, which saturates.
     */
    public static float[][] sequence(QuantizedModel m, int length, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double scale = Math.scalb(1.0, denseBits(m.quant()) - m.inputFraction());
        double big = Math.scalb(1.0, m.quant().spikeBits() - denseBits(m.quant()) + 1);
        float[][] x = new float[length][m.model().dInput()];
        for (float[] token : x) {
            for (int i = 0; i < token.length; i++) token[i] = (float) (gaussian(rng) * scale * (rng.nextInt(10) == 0 ? big : 1));
        }
        return x;
    }

    /** Typical magnitude in bits of a payload feeding a dense layer: the weighted sum must fit the accumulator. */
    private static int denseBits(QuantConfig q) {
        return Math.max(1, Math.min(q.spikeBits(), q.accumulatorBits() - q.weightBits()) - 2);
    }

    private static int jitter(SplittableRandom rng) {
        return rng.nextInt(-2, 3);
    }

    private static QuantDense dense(SplittableRandom rng, int outputs, int inputs, QuantConfig q) {
        int max = (1 << (q.weightBits() - 1)) - 1;
        int[] weights = new int[outputs * inputs];
        for (int i = 0; i < weights.length; i++) weights[i] = rng.nextInt(7) == 0 ? 0 : rng.nextInt(-max, max + 1);
        int[] bias = new int[outputs];
        int b = 1 << (q.accumulatorBits() - 6);
        for (int i = 0; i < outputs; i++) bias[i] = rng.nextInt(-b, b + 1);
        return new QuantDense(outputs, inputs, weights, q.weightBits() - 2 + rng.nextInt(-1, 2), bias);
    }

    /** |Ā| up to 1.02 (a few modes grow until they saturate); B̄, C, D gains near those of the golden script. */
    private static QuantS4D s4d(SplittableRandom rng, int channels, int modes, QuantConfig q) {
        int cb = q.coefficientBits();
        int one = 1 << (cb - 1);
        int max = one - 1;
        int n = channels * modes;
        int[] aRe = new int[n];
        int[] aIm = new int[n];
        int expA = cb - 1 - rng.nextInt(2);
        double unit = Math.scalb(1.0, expA);
        for (int i = 0; i < n; i++) {
            double r = 0.3 + 0.72 * rng.nextDouble();
            double phase = 2 * Math.PI * rng.nextDouble();
            aRe[i] = clamp(Math.rint(r * Math.cos(phase) * unit), max);
            aIm[i] = clamp(Math.rint(r * Math.sin(phase) * unit), max);
        }
        int sp = q.stateBits() - q.spikeBits();
        return new QuantS4D(channels, modes, aRe, aIm, expA,
                uniform(rng, n, max), uniform(rng, n, max), cb - 1 + 3 - sp + jitter(rng),
                uniform(rng, n, max), uniform(rng, n, max), cb - 1 + sp + 1 + jitter(rng),
                uniform(rng, channels, max), cb + jitter(rng));
    }

    private static int clamp(double v, int max) {
        return (int) Math.max(-max, Math.min(max, v));
    }

    private static int[] uniform(SplittableRandom rng, int n, int max) {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = rng.nextInt(-max, max + 1);
        return v;
    }

    /** A standard normal from two uniforms (Box–Muller), so the sequence depends only on the seed. */
    private static double gaussian(SplittableRandom rng) {
        return Math.sqrt(-2 * Math.log(1 - rng.nextDouble())) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
