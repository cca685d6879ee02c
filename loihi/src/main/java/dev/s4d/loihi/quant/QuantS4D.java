package dev.s4d.loihi.quant;

/**
 * The S4D coefficients of one block in integers, laid out [channel][mode] (index h·modes + n), each
 * array with its shared exponent (docs/LOIHI_ARITHMETIC.md, step 4):
 * {@code aRe + i·aIm = q(Ā·2^expA)}, {@code bRe + i·bIm = q(B̄·2^(f_s−f_u)·2^expB)},
 * {@code cRe + i·cIm = q(2C·2^(f_y−f_s)·2^expC)}, {@code d = q(D·2^(f_y−f_u)·2^expD)} (one per channel).
 */
public record QuantS4D(int channels, int modes,
                       int[] aRe, int[] aIm, int expA,
                       int[] bRe, int[] bIm, int expB,
                       int[] cRe, int[] cIm, int expC,
                       int[] d, int expD) {

    public QuantS4D {
        if (channels <= 0 || modes <= 0) {
            throw new IllegalArgumentException("S4D layer needs positive sizes, got " + channels + " channels × " + modes + " modes");
        }
        int n = channels * modes;
        requireLength("a_re", aRe, n);
        requireLength("a_im", aIm, n);
        requireLength("b_re", bRe, n);
        requireLength("b_im", bIm, n);
        requireLength("c_re", cRe, n);
        requireLength("c_im", cIm, n);
        requireLength("d", d, channels);
    }

    private static void requireLength(String name, int[] a, int n) {
        if (a == null || a.length != n) {
            throw new IllegalArgumentException("S4D coefficient " + name + " needs " + n + " values, got " + (a == null ? "none" : a.length));
        }
    }
}
