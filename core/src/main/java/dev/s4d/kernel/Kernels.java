package dev.s4d.kernel;

/**
 * The hot loops of the float engines. {@link ScalarKernels} is the specification: plain loops in the
 * obvious order. {@link VectorKernels} computes the same with the Vector API and is chosen at start-up
 * unless the system property {@code s4d.kernels=scalar} forces the scalar one. Results may differ
 * from the specification by float rounding only (summation order), never by more.
 *
 * <p>Matrices are flat, row-major float arrays. Offsets let callers work on slices of larger buffers.
 */
public interface Kernels {

    /**
     * A dense layer over a block of rows: {@code y[r][o] = bias[o] + Σ_i x[r][i]·w[o][i]}.
     *
     * @param x    rows × in, starting at {@code xOff}
     * @param w    out × in (PyTorch's Linear layout)
     * @param bias out values, or null for none
     * @param y    rows × out, starting at {@code yOff}; overwritten; must not overlap x
     */
    void linear(float[] x, int xOff, int rows, int in, float[] w, float[] bias, int out, float[] y, int yOff);

    /**
     * Prepares (copies and, for the vector kernels, re-lays out) an out × in weight matrix for repeated
     * {@link #linear(float[], int, int, PackedWeights, float[], float[], int)} calls. Pack once per layer,
     * not per call: packing costs about as much as a few dozen rows of the product.
     */
    PackedWeights pack(float[] w, int out, int in);

    /**
     * The same dense layer as {@link #linear(float[], int, int, int, float[], float[], int, float[], int)}
     * with pre-packed weights ({@code in} and {@code out} come from {@code w}). This is the fast path for
     * few rows (a single stream is a matrix-vector product) and the one to use in loops.
     */
    void linear(float[] x, int xOff, int rows, PackedWeights w, float[] bias, float[] y, int yOff);

    /**
     * One token of the diagonal complex recurrence for many independent streams, with the output
     * read from the updated state (no one-step delay):
     * <pre>
     *   s ← Ā⊙s + u          (complex s per stream, mode and channel; u real)
     *   y = 2·Re(Σ_modes C̃⊙s) + D·u
     * </pre>
     * where C̃ = C·B̄ has B̄ folded in. Coefficients are laid out [mode][channel] so the inner loop runs
     * over channels; states are [stream][mode][channel].
     *
     * @param u  streams × channels inputs, from {@code uOff}
     * @param sRe real parts of the states, streams × modes × channels, from {@code sOff}; updated
     * @param sIm imaginary parts, same layout
     * @param y  streams × channels outputs, from {@code yOff}; overwritten
     */
    void diagonalStep(int streams, int channels, int modes,
                      float[] aRe, float[] aIm, float[] cRe, float[] cIm, float[] d,
                      float[] u, int uOff, float[] sRe, float[] sIm, int sOff, float[] y, int yOff);

    /** In place: GELU with the exact (erf) form, x·Φ(x). */
    void gelu(float[] a, int off, int n);

    /** In place: max(x, 0). */
    void relu(float[] a, int off, int n);

    /**
     * Gated linear unit on each row of {@code z} (rows × 2·width): {@code out[r][j] = z[r][j]·σ(z[r][width+j])}.
     * {@code out} is rows × width.
     */
    void glu(float[] z, int rows, int width, float[] out);

    /**
     * Layer normalisation of each row (rows × width, in place), with the biased variance and
     * {@code eps} inside the square root as PyTorch does, then {@code ·weight + bias}.
     */
    void layerNorm(float[] x, int rows, int width, float[] weight, float[] bias, float eps);

    /** {@code a[i] += b[i]} for n values. */
    void add(float[] a, int aOff, float[] b, int bOff, int n);

    /** The implementation selected for this JVM (see class comment). */
    static Kernels best() {
        return KernelChoice.BEST;
    }

    /** The scalar specification. */
    static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /** A short name for reports: "vector(512-bit)" or "scalar". */
    String name();

    // ---------------------------------------------------------------------------------------------
    // backward passes, for training

    /**
     * Accumulates the weight and bias gradients of a dense layer over a block of rows:
     * {@code dw[o][i] += Σ_r dy[r][o]·x[r][i]} and {@code db[o] += Σ_r dy[r][o]}. (The input gradient
     * dy·w is a {@link #linear} with the transposed weights.)
     *
     * @param dy rows × out gradients of the layer's outputs, from {@code dyOff}
     * @param x  rows × in inputs of the layer, from {@code xOff}
     * @param dw out × in; added to
     * @param db out values; added to; or null for a layer without bias
     */
    void linearWeightGradient(float[] dy, int dyOff, float[] x, int xOff, int rows, int out, int in,
                              float[] dw, float[] db);

    /**
     * In place: {@code g[i] ·= GELU'(y[i])} with GELU'(y) = Φ(y) + y·φ(y): the backward pass of
     * {@link #gelu} given its inputs y.
     */
    void geluBackward(float[] y, int yOff, float[] g, int gOff, int n);

    /**
     * In place, the backward pass of {@link #relu}: {@code g[gOff + i] = 0} where {@code y[yOff + i]},
     * the input of the ReLU, is not above 0 (NaN included), unchanged elsewhere.
     */
    void reluBackward(float[] y, int yOff, float[] g, int gOff, int n);

    /**
     * {@link #glu} for training: the same outputs, and e = exp(−z[r][width+j]) of each gate kept in
     * {@code gateExp} (rows × width, overwritten) for {@link #gluBackward}, which would otherwise
     * compute every exponential again.
     */
    void gluForward(float[] z, int rows, int width, float[] out, float[] gateExp);

    /**
     * The backward pass of {@link #gluForward}: from its input z (rows × 2·width), the gates' exp(−b)
     * it kept, and the gradient of its output dOut (rows × width), with a = z[r][j],
     * b = z[r][width+j] and s = σ(b) = 1/(1 + e), {@code dz[r][j] = dOut[r][j]·s} and
     * {@code dz[r][width+j] = dOut[r][j]·a·s·(1 − s)}. dz is rows × 2·width, overwritten.
     */
    void gluBackward(float[] z, float[] gateExp, float[] dOut, int rows, int width, float[] dz);

    /** In place: {@code a[r][j] ·= factors[j]} for rows × width values (per-channel scaling, as dropout masks). */
    void scaleColumns(float[] a, int rows, int width, float[] factors);

    /**
     * {@link #layerNorm} for training: from x into y (which may be x), keeping what the backward pass
     * needs, x̂ = (x − mean)/√(var + eps) (rows × width) and 1/√(var + eps) (rows).
     */
    void layerNormForward(float[] x, int rows, int width, float[] weight, float[] bias, float eps,
                          float[] xhat, float[] inv, float[] y);

    /**
     * The backward pass of {@link #layerNormForward}: per row, with g = dy·weight,
     * {@code dx = inv·(g − mean(g) − x̂·mean(g·x̂))} (dx may be dy), and over all rows
     * {@code dWeight += Σ dy·x̂}, {@code dBias += Σ dy}.
     */
    void layerNormBackward(float[] xhat, float[] inv, float[] dy, int rows, int width, float[] weight,
                           float[] dx, float[] dWeight, float[] dBias);
}
