package dev.s4d.kernel;

/**
 * A dense layer's weight matrix prepared once by {@link Kernels#pack} for many
 * {@link Kernels#linear(float[], int, int, PackedWeights, float[], float[], int) linear} calls.
 *
 * <p>It holds a private copy of the weights (later changes to the caller's array are not seen) in the
 * row-major out × in layout and, when the packing implementation has one, a second layout of its own:
 * the vector kernels store wᵀ in column panels so that their register-tiled loop reads the weights
 * contiguously. A pack made by one implementation is accepted by any other (it falls back to the
 * row-major copy), but it is fastest with the one that made it.
 */
public final class PackedWeights {
    final int out;
    final int in;
    /** out × in, row-major: the specification's layout. */
    final float[] rowMajor;
    /** Output columns per panel of {@link #panels}, or 0 when there is no panel layout. */
    final int panelWidth;
    /**
     * ⌈out / panelWidth⌉ panels, each in × panelWidth: {@code panels[p·in·pw + i·pw + c] = w[p·pw + c][i]},
     * zero past the last output. Null when {@link #panelWidth} is 0.
     */
    final float[] panels;

    PackedWeights(int out, int in, float[] rowMajor, int panelWidth, float[] panels) {
        this.out = out;
        this.in = in;
        this.rowMajor = rowMajor;
        this.panelWidth = panelWidth;
        this.panels = panels;
    }

    /** Copies {@code w} (out × in) after checking the shape; the common part of every {@code pack}. */
    static float[] copyRowMajor(float[] w, int out, int in) {
        if (out < 0 || in < 0) throw new IllegalArgumentException("negative shape " + out + "×" + in);
        long size = (long) out * in;
        if (w.length < size) {
            throw new IllegalArgumentException("weights hold " + w.length + " values, need " + out + "×" + in);
        }
        return java.util.Arrays.copyOf(w, (int) size);
    }

    /** Number of outputs (rows of w). */
    public int out() {
        return out;
    }

    /** Number of inputs (columns of w). */
    public int in() {
        return in;
    }
}
