package dev.s4d.train.grad;

/**
 * LayerNorm over the rows of a block in float, keeping what its backward pass needs (x̂ and 1/σ per
 * row), which the inference kernel does not. Same formulas as {@link DoubleLayers#layerNorm}.
 */
final class FloatLayerNorm {
    private FloatLayerNorm() {
    }

    /** y = x̂·w + b per row, x̂ = (x − mean)/√(var + eps); y may be x. */
    static void forward(float[] x, int rows, int width, float[] w, float[] b, float eps, float[] xhat, float[] inv,
                        float[] y) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float mean = 0f;
            for (int j = 0; j < width; j++) mean += x[o + j];
            mean /= width;
            float var = 0f;
            for (int j = 0; j < width; j++) {
                float dlt = x[o + j] - mean;
                var += dlt * dlt;
            }
            var /= width;
            float s = (float) (1.0 / Math.sqrt(var + eps));
            inv[r] = s;
            for (int j = 0; j < width; j++) {
                float xh = (x[o + j] - mean) * s;
                xhat[o + j] = xh;
                y[o + j] = xh * w[j] + b[j];
            }
        }
    }

    /** dx = inv·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w (dx may be dy); dw += dy·x̂, db += dy. */
    static void backward(float[] xhat, float[] inv, int rows, int width, float[] w, float[] dy, float[] dx,
                         float[] dw, float[] db) {
        for (int r = 0; r < rows; r++) {
            int o = r * width;
            float meanG = 0f;
            float meanGx = 0f;
            for (int j = 0; j < width; j++) {
                float g = dy[o + j] * w[j];
                meanG += g;
                meanGx += g * xhat[o + j];
                dw[j] += dy[o + j] * xhat[o + j];
                db[j] += dy[o + j];
            }
            meanG /= width;
            meanGx /= width;
            float s = inv[r];
            for (int j = 0; j < width; j++) dx[o + j] = s * (dy[o + j] * w[j] - meanG - xhat[o + j] * meanGx);
        }
    }
}
