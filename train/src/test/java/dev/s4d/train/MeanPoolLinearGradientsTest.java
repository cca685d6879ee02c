package dev.s4d.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.s4d.model.ParameterNames;
import dev.s4d.model.Parameters;
import dev.s4d.model.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trainer tests lean on this stand-in learning; its gradient must be the loss's derivative. */
class MeanPoolLinearGradientsTest {

    @Test
    void gradientMatchesCentralDifferences() {
        Parameters p = TrainingFixtures.model().parameters().copy();
        Map<String, Tensor> g = new LinkedHashMap<>();
        p.asMap().forEach((n, t) -> g.put(n, Tensor.zeros(t.shape())));
        Parameters grads = new Parameters(g);
        var data = TrainingFixtures.data(6);
        float[][] x = new float[6][];
        int[] y = new int[6];
        for (int i = 0; i < 6; i++) {
            x[i] = data.sequence(i);
            y[i] = data.label(i);
        }
        // With dropout the mask is fixed by the seed, so the loss stays a smooth function of the parameters.
        MeanPoolLinearGradients source = new MeanPoolLinearGradients(TrainingFixtures.modelConfig(), 0.3);
        source.compute(p, grads, x, y, 99);
        for (String name : new String[]{ParameterNames.ENCODER_WEIGHT, ParameterNames.ENCODER_BIAS,
                ParameterNames.DECODER_WEIGHT, ParameterNames.DECODER_BIAS}) {
            float[] v = p.get(name).data();
            for (int i = 0; i < v.length; i += 3) {
                float saved = v[i];
                float h = 1e-2f;
                v[i] = saved + h;
                double up = source.compute(p, copyShape(grads), x, y, 99).loss();
                v[i] = saved - h;
                double down = source.compute(p, copyShape(grads), x, y, 99).loss();
                v[i] = saved;
                double numeric = (up - down) / ((double) (saved + h) - (saved - h));
                assertThat((double) grads.get(name).data()[i]).as("%s[%d]", name, i).isCloseTo(numeric, org.assertj.core.api.Assertions.within(2e-4));
            }
        }
        assertThat(grads.get(ParameterNames.logDt(0)).data()).containsOnly(0f);
    }

    private static Parameters copyShape(Parameters p) {
        Map<String, Tensor> g = new LinkedHashMap<>();
        p.asMap().forEach((n, t) -> g.put(n, Tensor.zeros(t.shape())));
        return new Parameters(g);
    }
}
