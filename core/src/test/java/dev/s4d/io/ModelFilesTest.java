package dev.s4d.io;

import dev.s4d.model.Discretization;
import dev.s4d.model.InitOptions;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.ModelInitializer;
import dev.s4d.model.ParameterNames;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Our model files (save/load round trip) and the import of reference-model state_dicts, with their errors. */
class ModelFilesTest {
    @TempDir
    Path dir;

    private static final ModelConfig REF = ModelConfig.reference(3, 8, 6, 2, 5);
    private static final ModelConfig LOIHI = ModelConfig.loihi(1, 4, 4, 3, 10);

    /** Same config and every tensor bit for bit, in the same order. */
    static void assertSameModel(S4DModel actual, S4DModel expected) {
        assertThat(actual.config()).isEqualTo(expected.config());
        assertThat(actual.parameters().names()).containsExactlyElementsOf(expected.parameters().names());
        expected.parameters().asMap().forEach((name, t) -> {
            float[] a = actual.get(name).data();
            float[] e = t.data();
            assertThat(actual.get(name).shape()).as(name).isEqualTo(t.shape());
            for (int i = 0; i < e.length; i++) {
                assertThat(Float.floatToRawIntBits(a[i])).as("%s[%d]", name, i).isEqualTo(Float.floatToRawIntBits(e[i]));
            }
        });
    }

    private static S4DModel model(ModelConfig c) {
        return ModelInitializer.initialise(c, InitOptions.defaults(7));
    }

    /** Writes tensors the way a PyTorch user would: state_dict names, no s4d.config. */
    private Path pytorchFile(Map<String, Tensor> tensors) throws IOException {
        Path p = dir.resolve("state_dict.safetensors");
        SafeTensors.write(p, Map.of("format", "pt"), tensors);
        return p;
    }

    private static Map<String, Tensor> tensors(S4DModel m) {
        return new LinkedHashMap<>(m.parameters().asMap());
    }

    // ---------------------------------------------------------------------------------------- our files

    @Test
    void roundTripIsExact() throws IOException {
        for (ModelConfig c : new ModelConfig[]{REF, REF.withPrenorm(true).withReadout(Readout.LAST)
                .withDiscretization(Discretization.BILINEAR), LOIHI}) {
            S4DModel m = model(c);
            Path p = dir.resolve("m.safetensors");
            ModelFiles.save(m, p);
            assertSameModel(ModelFiles.load(p), m);
        }
    }

    @Test
    void metadataHoldsSnakeCaseConfigAndLowerCaseEnums() throws IOException {
        S4DModel m = model(REF.withPrenorm(true).withDiscretization(Discretization.BILINEAR));
        Path p = dir.resolve("m.safetensors");
        ModelFiles.save(m, p);
        Map<String, String> meta = SafeTensors.read(p).metadata();
        assertThat(meta).containsEntry("format", "pt").containsEntry("s4d.version", "1");
        assertThat(meta.get("s4d.config")).isEqualTo("{\"d_input\":3,\"d_model\":8,\"d_state\":6,\"n_layers\":2,"
                + "\"n_classes\":5,\"flavour\":\"reference\",\"prenorm\":true,\"readout\":\"mean\",\"discretization\":\"bilinear\"}");
        // The tensors are exactly the reference state_dict: names and shapes.
        SafeTensors.read(p).tensors().forEach((name, t) ->
                assertThat(t.shape()).as(name).isEqualTo(S4DModel.expectedShapes(m.config()).get(name)));
        assertThat(SafeTensors.read(p).tensors().keySet()).containsExactlyInAnyOrderElementsOf(S4DModel.expectedShapes(m.config()).keySet());
    }

    @Test
    void ownFilesIgnoreImportOptions() throws IOException {
        S4DModel m = model(REF);
        Path p = dir.resolve("m.safetensors");
        ModelFiles.save(m, p);
        ImportOptions contrary = new ImportOptions(true, Readout.LAST, Discretization.BILINEAR);
        assertThat(ModelFiles.load(p, contrary).config()).isEqualTo(REF);
    }

    @Test
    void namesOtherKindsOfModelFileAndRejectsIntegerTensors() throws IOException {
        S4DModel m = model(LOIHI);
        Path p = dir.resolve("q.safetensors");
        Map<String, SafeTensors.IntTensor> ints = Map.of("encoder.weight", new SafeTensors.IntTensor(SafeTensors.DType.I8, new int[]{4, 1}, new int[4]));
        SafeTensors.write(p, Map.of(ModelFiles.KIND_KEY, "loihi-quantized", "s4d.config", ModelFiles.configToJson(LOIHI)), Map.of(), ints);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll(p.toString(), "model of kind 'loihi-quantized'", "'s4d.kind'", "not a float model");

        Map<String, Tensor> floats = tensors(m);
        floats.remove(ParameterNames.DECODER_BIAS);
        SafeTensors.write(p, Map.of("format", "pt"), floats,
                Map.of(ParameterNames.DECODER_BIAS, new SafeTensors.IntTensor(SafeTensors.DType.I32, new int[]{10}, new int[10])));
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("tensor 'decoder.bias' has integer dtype I32", "must be F32, F16, BF16 or F64");
    }

    @Test
    void rejectsBadOwnMetadata() throws IOException {
        S4DModel m = model(REF);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "pt");
        meta.put("s4d.config", ModelFiles.configToJson(REF));
        Path p = dir.resolve("m.safetensors");

        SafeTensors.write(p, meta, m.parameters().asMap());
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll(p.toString(), "'s4d.version' is missing, expected '1'");

        meta.put("s4d.version", "2");
        SafeTensors.write(p, meta, m.parameters().asMap());
        assertThatThrownBy(() -> ModelFiles.load(p)).hasMessageContaining("'s4d.version' is '2', expected '1'");

        meta.put("s4d.version", "1");
        meta.put("s4d.config", ModelFiles.configToJson(REF).replace("\"reference\"", "\"transformer\""));
        SafeTensors.write(p, meta, m.parameters().asMap());
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("s4d.config", "unknown block flavour 'transformer'", "[reference, loihi]");

        meta.put("s4d.config", ModelFiles.configToJson(REF).replace("\"d_state\":6", "\"d_state\":7"));
        SafeTensors.write(p, meta, m.parameters().asMap());
        assertThatThrownBy(() -> ModelFiles.load(p)).hasMessageContaining("d_state must be even");

        meta.put("s4d.config", ModelFiles.configToJson(REF).replace("\"n_layers\":2,", ""));
        SafeTensors.write(p, meta, m.parameters().asMap());
        assertThatThrownBy(() -> ModelFiles.load(p)).hasMessageContaining("n_layers");

        meta.put("s4d.config", "{not json");
        SafeTensors.write(p, meta, m.parameters().asMap());
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class).hasMessageContaining("invalid model config");
    }

    @Test
    void ownFileWithTensorsThatDoNotFitItsConfigFails() throws IOException {
        Map<String, Tensor> t = tensors(model(REF));
        t.put("s4_layers.2.D", Tensor.zeros(8));
        Path p = dir.resolve("m.safetensors");
        SafeTensors.write(p, Map.of("format", "pt", "s4d.version", "1", "s4d.config", ModelFiles.configToJson(REF)), t);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("unexpected parameter 's4_layers.2.D'");
    }

    // ------------------------------------------------------------------------------ PyTorch state_dicts

    @Test
    void infersConfigOfReferenceAndLoihiStateDicts() throws IOException {
        S4DModel ref = model(REF);
        assertSameModel(ModelFiles.load(pytorchFile(tensors(ref))), ref);
        S4DModel loihi = model(LOIHI);
        assertSameModel(ModelFiles.load(pytorchFile(tensors(loihi))), loihi);
        ImportOptions options = new ImportOptions(true, Readout.LAST, Discretization.BILINEAR);
        assertThat(ModelFiles.load(pytorchFile(tensors(ref)), options).config())
                .isEqualTo(REF.withPrenorm(true).withReadout(Readout.LAST).withDiscretization(Discretization.BILINEAR));
    }

    @Test
    void missingParameterIsNamed() throws IOException {
        Map<String, Tensor> t = tensors(model(REF));
        t.remove(ParameterNames.d(1));
        Path p = pytorchFile(t);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith(p.toString())
                .hasMessageContaining("missing 's4_layers.1.D' [8]");
    }

    @Test
    void wrongShapeIsNamed() throws IOException {
        Map<String, Tensor> t = tensors(model(REF));
        t.put(ParameterNames.logDt(1), Tensor.zeros(7));
        Path p = pytorchFile(t);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("'s4_layers.1.kernel.log_dt' has shape [7], expected [8]");

        t = tensors(model(REF));
        t.put(ParameterNames.ENCODER_WEIGHT, Tensor.zeros(8, 3, 1));
        Path q = pytorchFile(t);
        assertThatThrownBy(() -> ModelFiles.load(q)).hasMessageContaining("'encoder.weight' has shape [8, 3, 1], expected rank 2");
    }

    @Test
    void nanParameterIsAModelError() throws IOException {
        Map<String, Tensor> t = tensors(model(REF));
        float[] d = t.get(ParameterNames.d(0)).data().clone();
        d[2] = Float.NaN;
        t.put(ParameterNames.d(0), new Tensor(new int[]{8}, d));
        Path p = pytorchFile(t);
        // The file itself is fine; the model refuses it.
        assertThat(SafeTensors.read(p).tensors()).containsKey(ParameterNames.d(0));
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContaining("'s4_layers.0.D' holds NaN at flat index 2");
    }

    @Test
    void extraKeysAreListed() throws IOException {
        Map<String, Tensor> t = tensors(model(REF));
        t.put("s4_layers.0.kernel.B", Tensor.zeros(8, 3, 2));
        t.put("step_count", Tensor.zeros(1));
        Path p = pytorchFile(t);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("2 tensor(s) are not parameters of an S4D model", "s4_layers.0.kernel.B", "step_count");
    }

    @Test
    void prefixedKeysGetAHint() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        tensors(model(REF)).forEach((k, v) -> t.put("module." + k, v));
        Path p = pytorchFile(t);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("no 'encoder.weight'", "strip the prefix 'module.'");
    }

    @Test
    void flavourMustBeUnambiguous() throws IOException {
        Map<String, Tensor> t = tensors(model(REF));
        t.keySet().removeIf(k -> k.startsWith("norms."));
        Path p = pytorchFile(t);
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("cannot tell the block flavour", "norms.* are absent", "16 outputs");
    }

    @Test
    void importOptionsMustFitTheFlavour() throws IOException {
        Path p = pytorchFile(tensors(model(LOIHI)));
        assertThatThrownBy(() -> ModelFiles.load(p, ImportOptions.defaults().withPrenorm(true)))
                .isInstanceOf(ModelFileException.class)
                .hasMessageContaining("prenorm applies to the reference flavour only");
    }

    @Test
    void notAModelAtAll() throws IOException {
        Path p = Files.writeString(dir.resolve("notes.safetensors"), "hello, this is text");
        assertThatThrownBy(() -> ModelFiles.load(p)).isInstanceOf(ModelFileException.class).hasMessageContaining("header length");
        assertThatThrownBy(() -> ModelFiles.load(dir.resolve("absent.safetensors"))).isInstanceOf(NoSuchFileException.class);
        Path empty = pytorchFile(Map.of());
        assertThatThrownBy(() -> ModelFiles.load(empty)).hasMessageContaining("no 'encoder.weight'");
    }
}
