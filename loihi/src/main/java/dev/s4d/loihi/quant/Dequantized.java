package dev.s4d.loihi.quant;

/**
 * The real values a quantised model's integers stand for: what the chip computes with, as doubles.
 * For comparing with the float model (tests, error reports); the integer engines never use it.
 */
public final class Dequantized {
    private Dequantized() {
    }

    /** A dense layer's weights {@code W · 2^(−f_W)}, row-major (outputs × inputs). */
    public static double[] weights(QuantDense d) {
        return scaled(d.weights(), -d.weightFraction());
    }

    /** A dense layer's bias in real units, given the format of the group that sends into it. */
    public static double[] bias(QuantDense d, int senderFraction) {
        return scaled(d.bias(), -(d.weightFraction() + senderFraction));
    }

    /**
     * Block {@code b}'s S4D layer in the chip's form, inverting step 4's scalings:
     * {@code Ā = a·2^(−eA)}, {@code B̄ = b·2^(−eB)·2^(fu−fs)}, {@code C = c·2^(−eC)·2^(fs−fy)/2},
     * {@code D = d·2^(−eD)·2^(fu−fy)}.
     */
    public static S4DCoefficients s4d(QuantBlock b) {
        QuantS4D s = b.s4d();
        int fu = b.uFraction();
        int fs = b.stateFraction();
        int fy = b.yFraction();
        return new S4DCoefficients(s.channels(), s.modes(),
                scaled(s.aRe(), -s.expA()), scaled(s.aIm(), -s.expA()),
                scaled(s.bRe(), fu - fs - s.expB()), scaled(s.bIm(), fu - fs - s.expB()),
                scaled(s.cRe(), fs - fy - 1 - s.expC()), scaled(s.cIm(), fs - fy - 1 - s.expC()),
                scaled(s.d(), fu - fy - s.expD()));
    }

    private static double[] scaled(int[] q, int exponent) {
        double[] v = new double[q.length];
        for (int i = 0; i < q.length; i++) v[i] = Math.scalb((double) q[i], exponent);
        return v;
    }
}
