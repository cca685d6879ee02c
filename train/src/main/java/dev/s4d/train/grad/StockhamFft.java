package dev.s4d.train.grad;

/**
 * The portable training convolution's FFT ({@link SpectralConvolution}): a Stockham FFT of many complex
 * sequences at once in plain Java, and the spectral products and correlations of signals packed two to
 * a complex sequence. Only used where the Vector API is missing; the vector path is {@link
 * LaneTrainingConvolution}.
 */
final class StockhamFft {
    private StockhamFft() {
    }

    /**
     * One radix-2 stage of a decimation-in-frequency Stockham FFT of many complex sequences at once.
     * A point is a block of {@code width} lanes, one lane per sequence; real and imaginary parts are in
     * separate arrays. For p &lt; half and q &lt; span, with a = x[q + span·p], b = x[q + span·(p + half)]
     * and w = (wRe[wOff + p], wIm[wOff + p]):
     * <pre>
     *   y[q + span·2p]       = a + b
     *   y[q + span·(2p + 1)] = (a − b)·w
     * </pre>
     * Starting from span 1 and half n/2 with w = exp(∓2πi·p/(2·half)), and halving {@code half} while
     * doubling {@code span} (swapping x and y) down to half 1, gives the DFT in natural order.
     * x and y must not overlap.
     */
    static void fftStage(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int half, int span, int width,
                         float[] wRe, float[] wIm, int wOff) {
        int run = span * width;   // q and the lanes together are contiguous
        for (int p = 0; p < half; p++) radix2(xRe, xIm, yRe, yIm, p, half, run, wRe[wOff + p], wIm[wOff + p]);
    }

    /** The butterflies of twiddle p over a run. */
    private static void radix2(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int p, int half, int run,
                       float wr, float wi) {
        int a = p * run;
        int b = a + half * run;
        int c = 2 * p * run;
        int d = c + run;
        for (int i = 0; i < run; i++) {
            float ar = xRe[a + i];
            float ai = xIm[a + i];
            float br = xRe[b + i];
            float bi = xIm[b + i];
            yRe[c + i] = ar + br;
            yIm[c + i] = ai + bi;
            float dr = ar - br;
            float di = ai - bi;
            yRe[d + i] = dr * wr - di * wi;
            yIm[d + i] = dr * wi + di * wr;
        }
    }

    /**
     * One radix-4 stage of the same Stockham FFT as {@link #fftStage}, doing the work of two radix-2
     * stages in one pass over the data. For p &lt; quarter and q &lt; span, with
     * a, b, c, d = x[q + span·(p + m·quarter)] for m = 0…3, w1, w2, w3 = (wRe, wIm)[wOff + 3p + 0…2] and
     * j = i (−i when {@code inverse}):
     * <pre>
     *   y[q + span·4p]       = (a + c) + (b + d)
     *   y[q + span·(4p + 1)] = ((a − c) − j·(b − d))·w1
     *   y[q + span·(4p + 2)] = ((a + c) − (b + d))·w2
     *   y[q + span·(4p + 3)] = ((a − c) + j·(b − d))·w3
     * </pre>
     * With w1 = exp(∓2πi·p/(4·quarter)), w2 = w1², w3 = w1³, stages from quarter n/4 (span 1) down,
     * and a last radix-2 stage when log₂ n is odd, this gives the DFT (inverse: without the 1/n).
     */
    static void fftStage4(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int quarter, int span, int width,
                          float[] wRe, float[] wIm, int wOff, boolean inverse) {
        int run = span * width;
        for (int p = 0; p < quarter; p++) radix4(xRe, xIm, yRe, yIm, p, quarter, run, wRe, wIm, wOff + 3 * p, inverse);
    }

    /** The radix-4 butterflies of twiddles w[w…w+2] (index p) over a run. */
    private static void radix4(float[] xRe, float[] xIm, float[] yRe, float[] yIm, int p, int quarter, int run,
                       float[] wRe, float[] wIm, int w, boolean inverse) {
        float j = inverse ? -1f : 1f;
        float w1r = wRe[w], w1i = wIm[w], w2r = wRe[w + 1], w2i = wIm[w + 1], w3r = wRe[w + 2], w3i = wIm[w + 2];
        int a = p * run;
        int b = a + quarter * run;
        int c = b + quarter * run;
        int d = c + quarter * run;
        int o = 4 * p * run;
        for (int i = 0; i < run; i++) {
            float apcR = xRe[a + i] + xRe[c + i], apcI = xIm[a + i] + xIm[c + i];
            float amcR = xRe[a + i] - xRe[c + i], amcI = xIm[a + i] - xIm[c + i];
            float bpdR = xRe[b + i] + xRe[d + i], bpdI = xIm[b + i] + xIm[d + i];
            // j·(b − d): j = ±i turns (r, i) into (∓i, ±r)
            float jbmdR = -j * (xIm[b + i] - xIm[d + i]), jbmdI = j * (xRe[b + i] - xRe[d + i]);
            yRe[o + i] = apcR + bpdR;
            yIm[o + i] = apcI + bpdI;
            float r = amcR - jbmdR, im = amcI - jbmdI;
            yRe[o + run + i] = r * w1r - im * w1i;
            yIm[o + run + i] = r * w1i + im * w1r;
            r = apcR - bpdR;
            im = apcI - bpdI;
            yRe[o + 2 * run + i] = r * w2r - im * w2i;
            yIm[o + 2 * run + i] = r * w2i + im * w2r;
            r = amcR + jbmdR;
            im = amcI + jbmdI;
            yRe[o + 3 * run + i] = r * w3r - im * w3i;
            yIm[o + 3 * run + i] = r * w3i + im * w3r;
        }
    }

    /**
     * The product of {@code width} spectra with kernel spectra, where each spectrum C (size points of
     * width lanes, real and imaginary parts in re and im) is the FFT of two real signals packed as one
     * complex signal, and so are the kernels: for f ≤ size/2, with f′ = (size − f) mod size and
     * P, M read from {@code pm[pmOff + f·4·width + {0, 1, 2, 3}·width + lane]} as (Re P, Im P, Re M, Im M),
     * in place:
     * <pre>
     *   C[f]  ← C[f]·P + conj(C[f′])·M
     *   C[f′] ← C[f′]·conj(P) + conj(C[f])·conj(M)
     * </pre>
     * (both from the old values). With {@code conjugate}, P and M are conjugated first. For kernels
     * with spectra Kₐ, K_b, P = (Kₐ + K_b)/2 and M = (Kₐ − K_b)/2 multiply each packed signal by its own
     * kernel; their conjugates give the correlation.
     */
    static void pairedSpectralProduct(float[] re, float[] im, int size, int width, float[] pm, int pmOff, boolean conjugate) {
        for (int f = 0; f <= size / 2; f++) {
            pairedProduct(re, im, f * width, ((size - f) % size) * width, pm, pmOff + f * 4 * width, width, conjugate);
        }
    }

    /** One frequency f (points at x and its mirror at y) of the paired product. */
    private static void pairedProduct(float[] re, float[] im, int x, int y, float[] pm, int o, int width, boolean conjugate) {
        float sign = conjugate ? -1f : 1f;
        for (int j = 0; j < width; j++) {
            float pr = pm[o + j], pi = sign * pm[o + width + j];
            float mr = pm[o + 2 * width + j], mi = sign * pm[o + 3 * width + j];
            float cr = re[x + j], ci = im[x + j];
            float nr = re[y + j], ni = im[y + j];
            re[x + j] = cr * pr - ci * pi + (nr * mr + ni * mi);
            im[x + j] = cr * pi + ci * pr + (nr * mi - ni * mr);
            re[y + j] = nr * pr + ni * pi + (cr * mr - ci * mi);
            im[y + j] = ni * pr - nr * pi - (cr * mi + ci * mr);
        }
    }

    /**
     * For spectra Z (at {@code z[zReOff …]}, {@code z[zImOff …]}) and D (re, im) of two real signals
     * each packed as one complex signal, as in {@link #pairedSpectralProduct}, adds 4·conj(Zₐ)·Dₐ and
     * 4·conj(Z_b)·D_b, the spectra of the correlations of each signal pair, for f ≤ size/2:
     * <pre>
     *   acc[accOff + f·4·width + {0, 1}·width + lane] += (conj Z[f] + Z[f′])·(D[f] + conj D[f′])   (re, im)
     *   acc[accOff + f·4·width + {2, 3}·width + lane] += (conj Z[f] − Z[f′])·(D[f] − conj D[f′])   (re, im)
     * </pre>
     */
    static void pairedSpectralCorrelation(float[] z, int zReOff, int zImOff, float[] re, float[] im, int size, int width,
                                          float[] acc, int accOff) {
        for (int f = 0; f <= size / 2; f++) {
            pairedCorrelation(z, zReOff, zImOff, re, im, f * width, ((size - f) % size) * width, acc,
                    accOff + f * 4 * width, width);
        }
    }

    /** One frequency f (points at x and its mirror at y) of the paired correlation. */
    private static void pairedCorrelation(float[] z, int zReOff, int zImOff, float[] re, float[] im, int x, int y,
                                  float[] acc, int o, int width) {
        for (int j = 0; j < width; j++) {
            float zr = z[zReOff + x + j], zi = z[zImOff + x + j];
            float znr = z[zReOff + y + j], zni = z[zImOff + y + j];
            float dr = re[x + j], di = im[x + j];
            float dnr = re[y + j], dni = im[y + j];
            float ur = zr + znr, ui = zni - zi, vr = dr + dnr, vi = di - dni;
            acc[o + j] += ur * vr - ui * vi;
            acc[o + width + j] += ur * vi + ui * vr;
            ur = zr - znr;
            ui = -zi - zni;
            vr = dr - dnr;
            vi = di + dni;
            acc[o + 2 * width + j] += ur * vr - ui * vi;
            acc[o + 3 * width + j] += ur * vi + ui * vr;
        }
    }
}
