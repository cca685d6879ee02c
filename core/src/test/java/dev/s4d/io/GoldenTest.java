package dev.s4d.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.engine.ConvEngine;
import dev.s4d.engine.EngineEquivalenceTest;
import dev.s4d.engine.RecurrentEngine;
import dev.s4d.model.Discretization;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.reference.ReferenceModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Models saved by an independent PyTorch implementation (tools/golden/make_golden.py) must import with
 * the config the script used and give its logits, in both of the reference model's mixing modes.
 * Both sides compute in double from the same float32 parameters, so they agree to ~1e-13.
 */
class GoldenTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Every imported model is also exported here, so the script's --check-java can read it back in PyTorch. */
    static final Path EXPORT_DIR = Path.of("target", "golden-export");

    static Path golden(String file) {
        try {
            return Path.of(GoldenTest.class.getResource("/golden/" + file).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("missing test resource golden/" + file, e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference_postnorm", "reference_prenorm", "loihi_mean", "loihi_last", "reference_bilinear"})
    void pytorchModelsImportAndReproduceLogits(String name) throws IOException {
        JsonNode v = JSON.readTree(golden(name + ".json").toFile());
        JsonNode o = v.get("options");
        ImportOptions options = new ImportOptions(o.get("prenorm").booleanValue(),
                Readout.parse(o.get("readout").textValue()), Discretization.parse(o.get("discretization").textValue()));

        S4DModel model = ModelFiles.load(golden(v.get("model_file").textValue()), options);

        ModelConfig expectedConfig = ModelFiles.configFromJson(v.get("config").toString());
        assertThat(model.config()).isEqualTo(expectedConfig);

        int length = v.get("length").intValue();
        int dInput = model.config().dInput();
        JsonNode inputs = v.get("inputs");
        ReferenceModel reference = new ReferenceModel(model);
        double worst = 0;
        for (ReferenceModel.Mode mode : ReferenceModel.Mode.values()) {
            for (int b = 0; b < inputs.size(); b++) {
                float[] seq = sequence(inputs.get(b), length, dInput);
                worst = Math.max(worst, compare(name + " " + mode + " logits[" + b + "]",
                        reference.logits(seq, length, mode), v.get("logits").get(b)));
            }
            int s = v.get("per_token_sequence").intValue();
            double[][] perToken = reference.perTokenLogits(sequence(inputs.get(s), length, dInput), length, mode);
            JsonNode expected = v.get("per_token_logits");
            assertThat(perToken.length).isEqualTo(expected.size());
            for (int t = 0; t < length; t++) {
                worst = Math.max(worst, compare(name + " " + mode + " token " + t, perToken[t], expected.get(t)));
            }
        }
        // Far below the 1e-9 the comparison allows: a larger gap would point at a semantic difference.
        System.out.printf("golden %s: largest scaled difference %.2e%n", name, worst);
        assertThat(worst).as("largest scaled difference for " + name).isLessThan(1e-11);

        floatEnginesReproduceLogits(name, model, v, length, dInput);

        Files.createDirectories(EXPORT_DIR);
        Path exported = EXPORT_DIR.resolve(name + ".safetensors");
        ModelFiles.save(model, exported);
        ModelFilesTest.assertSameModel(ModelFiles.load(exported), model);
    }

    /** The float32 engines against the same golden logits, at float tolerance (1e-4 of the logit scale). */
    private static void floatEnginesReproduceLogits(String name, S4DModel model, JsonNode v, int length, int dInput) {
        JsonNode inputs = v.get("inputs");
        float[][] batch = new float[inputs.size()][];
        for (int b = 0; b < batch.length; b++) batch[b] = sequence(inputs.get(b), length, dInput);
        float[][] conv = ConvEngine.compile(model).logits(batch);
        float[][] rec = EngineEquivalenceTest.runRecurrent(RecurrentEngine.compile(model), batch, length);
        for (int b = 0; b < batch.length; b++) {
            double[] golden = new double[v.get("logits").get(b).size()];
            for (int i = 0; i < golden.length; i++) golden[i] = v.get("logits").get(b).get(i).doubleValue();
            assertThat(EngineEquivalenceTest.relativeError(EngineEquivalenceTest.toDouble(conv[b]), golden))
                    .as("%s conv engine, sample %d", name, b).isLessThan(1e-4);
            assertThat(EngineEquivalenceTest.relativeError(EngineEquivalenceTest.toDouble(rec[b]), golden))
                    .as("%s recurrent engine, sample %d", name, b).isLessThan(1e-4);
        }
    }

    private static float[] sequence(JsonNode tokens, int length, int dInput) {
        assertThat(tokens.size()).isEqualTo(length);
        float[] seq = new float[length * dInput];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < dInput; j++) {
                double x = tokens.get(t).get(j).doubleValue();
                seq[t * dInput + j] = (float) x;
                // The script rounds inputs to float32, so nothing is lost here.
                assertThat((double) (float) x).isEqualTo(x);
            }
        }
        return seq;
    }

    /** Asserts |a − b| ≤ 1e-9·max(1, |b|) everywhere and returns the largest |a − b|/max(1, |b|). */
    private static double compare(String what, double[] actual, JsonNode expected) {
        assertThat(actual).as(what).hasSize(expected.size());
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            double b = expected.get(i).doubleValue();
            double scaled = Math.abs(actual[i] - b) / Math.max(1.0, Math.abs(b));
            assertThat(scaled).as("%s[%d]: %s vs golden %s", what, i, actual[i], b).isLessThanOrEqualTo(1e-9);
            worst = Math.max(worst, scaled);
        }
        return worst;
    }
}
