package dev.s4d.loihi.quant;

import dev.s4d.io.ModelFileException;
import dev.s4d.io.ModelFiles;
import dev.s4d.io.SafeTensors;
import dev.s4d.io.SafeTensors.DType;
import dev.s4d.io.SafeTensors.IntTensor;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;
import dev.s4d.model.S4DModel;
import dev.s4d.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Quantised model files: exact round trip, the layout, and one test per kind of bad file. */
class QuantizedModelFilesTest {
    @TempDir
    Path dir;

    private static final ModelConfig SMALL = ModelConfig.loihi(2, 8, 8, 2, 3);

    private static QuantizedModel quantized(ModelConfig c, QuantConfig q, long seed) {
        S4DModel m = QuantTestModels.random(c, seed);
        Calibration.Ranges r = Calibration.of(m, 1).run(QuantTestModels.sequences(3, 30, c.dInput(), seed), n -> { });
        return Quantizer.quantize(m, r, q);
    }

    /** Every field, arrays by content. */
    static void assertSameQuantizedModel(QuantizedModel a, QuantizedModel e) {
        assertThat(a.model()).isEqualTo(e.model());
        assertThat(a.quant()).isEqualTo(e.quant());
        assertThat(a.inputFraction()).isEqualTo(e.inputFraction());
        assertThat(a.outputFraction()).isEqualTo(e.outputFraction());
        assertThat(a.logitFraction()).isEqualTo(e.logitFraction());
        assertThat(a.calibratedMax()).isEqualTo(e.calibratedMax());
        assertSameDense(a.outputLinear(), e.outputLinear());
        assertSameDense(a.decoder(), e.decoder());
        assertThat(a.blocks()).hasSameSizeAs(e.blocks());
        for (int l = 0; l < e.blocks().size(); l++) {
            QuantBlock x = a.blocks().get(l);
            QuantBlock y = e.blocks().get(l);
            assertSameDense(x.input(), y.input());
            assertThat(new int[]{x.uFraction(), x.stateFraction(), x.yFraction(), x.reluFraction()})
                    .containsExactly(y.uFraction(), y.stateFraction(), y.yFraction(), y.reluFraction());
            QuantS4D s = x.s4d();
            QuantS4D t = y.s4d();
            assertThat(new int[]{s.channels(), s.modes(), s.expA(), s.expB(), s.expC(), s.expD()})
                    .containsExactly(t.channels(), t.modes(), t.expA(), t.expB(), t.expC(), t.expD());
            assertThat(List.of(s.aRe(), s.aIm(), s.bRe(), s.bIm(), s.cRe(), s.cIm(), s.d()))
                    .usingElementComparator(Arrays::compare)
                    .containsExactly(t.aRe(), t.aIm(), t.bRe(), t.bIm(), t.cRe(), t.cIm(), t.d());
        }
    }

    private static void assertSameDense(QuantDense a, QuantDense e) {
        assertThat(a.outputs()).isEqualTo(e.outputs());
        assertThat(a.inputs()).isEqualTo(e.inputs());
        assertThat(a.weightFraction()).isEqualTo(e.weightFraction());
        assertThat(a.weights()).containsExactly(e.weights());
        assertThat(a.bias()).containsExactly(e.bias());
    }

    @Test
    void roundTripKeepsEveryField() throws IOException {
        QuantConfig[] configs = {QuantConfig.defaults(),
                QuantConfig.defaults().withWeightBits(16).withCoefficientBits(24).withStateBits(30),
                QuantConfig.defaults().withWeightBits(4).withCoefficientBits(8).withRounding(Rounding.FLOOR).withOverflow(Overflow.WRAP)};
        ModelConfig[] models = {SMALL, SMALL.withReadout(Readout.LAST), ModelConfig.loihi(1, 4, 2, 1, 10)};
        for (int i = 0; i < configs.length; i++) {
            QuantizedModel q = quantized(models[i], configs[i], i);
            Path p = dir.resolve("q" + i + ".safetensors");
            QuantizedModelFiles.save(q, p);
            assertSameQuantizedModel(QuantizedModelFiles.load(p), q);
        }
    }

    @Test
    void fileHoldsNamedIntegerTensorsAndJsonMetadata() throws IOException {
        QuantizedModel q = quantized(SMALL, QuantConfig.defaults(), 1);
        Path p = dir.resolve("q.safetensors");
        QuantizedModelFiles.save(q, p);
        SafeTensors.Contents c = SafeTensors.readWithIntegers(p);
        assertThat(c.tensors()).isEmpty();
        assertThat(c.metadata()).containsEntry("s4d.kind", "loihi-quantized").containsEntry("s4d.version", "1")
                .containsEntry("s4d.config", ModelFiles.configToJson(SMALL));
        assertThat(c.metadata().get("s4d.quant")).contains("\"quant_config\":{\"weight_bits\":8,\"coefficient_bits\":16",
                "\"rounding\":\"nearest\"", "\"overflow\":\"saturate\"", "\"input_fraction\":" + q.inputFraction(),
                "\"exp_a\":" + q.blocks().getFirst().s4d().expA(), "\"calibrated_max\":{\"input\":");
        Map<String, IntTensor> t = c.integerTensors();
        assertThat(t.keySet()).containsExactlyInAnyOrder("encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias",
                "s4_layers.0.output_linear.0.weight", "s4_layers.0.output_linear.0.bias", "s4_layers.0.D",
                "s4_layers.0.kernel.a_re", "s4_layers.0.kernel.a_im", "s4_layers.0.kernel.b_re", "s4_layers.0.kernel.b_im",
                "s4_layers.0.kernel.c_re", "s4_layers.0.kernel.c_im",
                "s4_layers.1.output_linear.0.weight", "s4_layers.1.output_linear.0.bias", "s4_layers.1.D",
                "s4_layers.1.kernel.a_re", "s4_layers.1.kernel.a_im", "s4_layers.1.kernel.b_re", "s4_layers.1.kernel.b_im",
                "s4_layers.1.kernel.c_re", "s4_layers.1.kernel.c_im");
        assertThat(t.get("encoder.weight").dtype()).isEqualTo(DType.I8);
        assertThat(t.get("s4_layers.1.kernel.c_im").dtype()).isEqualTo(DType.I16);
        assertThat(t.get("decoder.bias").dtype()).isEqualTo(DType.I32);
        assertThat(t.get("s4_layers.0.output_linear.0.weight").shape()).containsExactly(8, 8, 1);
        assertThat(t.get("s4_layers.0.kernel.b_re").shape()).containsExactly(8, 4);
        // Block 1's input layer is mixing layer 0; the last mixing layer feeds the out-neurons.
        assertThat(t.get("s4_layers.0.output_linear.0.weight").data()).containsExactly(q.blocks().get(1).input().weights());
        assertThat(t.get("s4_layers.1.output_linear.0.bias").data()).containsExactly(q.outputLinear().bias());
        assertThat(t.get("s4_layers.1.kernel.c_re").data()).containsExactly(q.blocks().get(1).s4d().cRe());
    }

    @Test
    void eachLoaderNamesTheOtherKindOfFile() throws IOException {
        S4DModel floatModel = QuantTestModels.random(SMALL, 1);
        Path f = dir.resolve("float.safetensors");
        ModelFiles.save(floatModel, f);
        assertThatThrownBy(() -> QuantizedModelFiles.load(f)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll(f.toString(), "this is a float model file", "not a quantised model");
        Path q = dir.resolve("q.safetensors");
        QuantizedModelFiles.save(quantized(SMALL, QuantConfig.defaults(), 1), q);
        assertThatThrownBy(() -> ModelFiles.load(q)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll(q.toString(), "model of kind 'loihi-quantized'", "not a float model");
    }

    // ------------------------------------------------------------------------------------- bad files

    /** Saves a good file, lets {@code change} edit its metadata and tensors, writes it back and expects {@code fragments}. */
    private void assertRejected(Consumer<Edit> change, String... fragments) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        QuantizedModelFiles.save(quantized(SMALL, QuantConfig.defaults(), 1), p);
        SafeTensors.Contents c = SafeTensors.readWithIntegers(p);
        Edit e = new Edit(new LinkedHashMap<>(c.metadata()), new LinkedHashMap<>(), new LinkedHashMap<>(c.integerTensors()));
        change.accept(e);
        SafeTensors.write(p, e.meta(), e.floats(), e.ints());
        assertThatThrownBy(() -> QuantizedModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith(p.toString()).hasMessageContainingAll(fragments);
    }

    private record Edit(Map<String, String> meta, Map<String, Tensor> floats, Map<String, IntTensor> ints) {
        void quant(String from, String to) {
            String json = meta.get("s4d.quant");
            assertThat(json).contains(from);
            meta.put("s4d.quant", json.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
        }
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        Path p = dir.resolve("q.safetensors");
        QuantizedModelFiles.save(quantized(SMALL, QuantConfig.defaults(), 1), p);
        byte[] all = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(all, all.length - 3));
        assertThatThrownBy(() -> QuantizedModelFiles.load(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("out of range", "truncated");
        Files.write(p, Arrays.copyOf(all, 5));
        assertThatThrownBy(() -> QuantizedModelFiles.load(p)).isInstanceOf(ModelFileException.class).hasMessageContaining("truncated");
    }

    @Test
    void rejectsMissingUnexpectedAndMisshapenTensors() throws IOException {
        assertRejected(e -> e.ints().remove("s4_layers.1.kernel.c_im"), "tensor 's4_layers.1.kernel.c_im' [8, 4] is missing");
        assertRejected(e -> e.ints().put("s4_layers.2.D", new IntTensor(DType.I16, new int[]{8}, new int[8])),
                "unexpected tensor 's4_layers.2.D'");
        assertRejected(e -> e.ints().put("encoder.weight", new IntTensor(DType.I8, new int[]{2, 8}, new int[16])),
                "tensor 'encoder.weight' has shape [2, 8], expected [8, 2]");
        assertRejected(e -> e.ints().put("s4_layers.0.output_linear.0.weight", new IntTensor(DType.I8, new int[]{8, 8}, new int[64])),
                "has shape [8, 8], expected [8, 8, 1]");
        assertRejected(e -> {
            e.ints().remove("decoder.bias");
            e.floats().put("decoder.bias", new Tensor(new int[]{3}, new float[3]));
        }, "tensor 'decoder.bias' is F32", "only integer tensors");
    }

    @Test
    void rejectsMantissasOutsideTheirWidths() throws IOException {
        assertRejected(e -> e.ints().put("encoder.weight", new IntTensor(DType.I32, new int[]{8, 2}, new int[]{0, 0, 0, 300, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})),
                "tensor 'encoder.weight' holds 300 at flat index 3, outside the range [-128, 127] of 8-bit weights");
        assertRejected(e -> {
            int[] c = e.ints().get("s4_layers.0.kernel.a_re").data().clone();
            c[5] = -40000;
            e.ints().put("s4_layers.0.kernel.a_re", new IntTensor(DType.I32, new int[]{8, 4}, c));
        }, "'s4_layers.0.kernel.a_re' holds -40000 at flat index 5", "[-32768, 32767] of 16-bit coefficients");
        assertRejected(e -> e.ints().put("decoder.bias", new IntTensor(DType.I32, new int[]{3}, new int[]{0, 1 << 23, 0})),
                "'decoder.bias' holds 8388608", "24-bit biases");
        // A narrower configured width than the stored dtype: 6-bit weights kept in I8.
        assertRejected(e -> e.quant("\"weight_bits\":8", "\"weight_bits\":6"), "outside the range [-32, 31] of 6-bit weights");
    }

    @Test
    void rejectsWrongOrMissingMarkersAndMetadata() throws IOException {
        assertRejected(e -> e.meta().put("s4d.kind", "loihi-float"), "model of kind 'loihi-float'", "expected 'loihi-quantized'");
        assertRejected(e -> {
            e.meta().remove("s4d.kind");
            e.meta().remove("s4d.config");
        }, "not a quantised model file", "no 's4d.kind' metadata");
        assertRejected(e -> e.meta().put("s4d.version", "2"), "'s4d.version' is '2', expected '1'");
        assertRejected(e -> e.meta().remove("s4d.quant"), "metadata 's4d.quant' is missing");
        assertRejected(e -> e.meta().put("s4d.config", ModelFiles.configToJson(SMALL).replace("\"loihi\"", "\"reference\"")),
                "only the loihi flavour");
        assertRejected(e -> e.meta().put("s4d.config", ModelFiles.configToJson(SMALL).replace("\"n_layers\":2", "\"n_layers\":3")),
                "formats for 2 blocks but the model has 3");
        assertRejected(e -> e.quant("\"rounding\":\"nearest\"", "\"rounding\":\"stochastic\""),
                "'s4d.quant' is invalid", "unknown rounding 'stochastic', expected one of [nearest, floor, toward_zero]");
        assertRejected(e -> e.quant("\"logit_fraction\":", "\"logit_fraktion\":"), "'s4d.quant' is invalid", "Missing creator property 'logit_fraction'");
        assertRejected(e -> e.quant("\"weight_bits\":8", "\"weight_bits\":40"), "weight_bits must be in [2, 16], got 40");
        assertRejected(e -> e.quant("\"input\":", "\"inputs\":"), "calibrated maxima are for [inputs, out, relu1");
        assertRejected(e -> e.quant("\"exp_a\":", "\"exp_a\":null,\"x\":"), "'s4d.quant' is invalid");
        assertRejected(e -> e.meta().put("s4d.quant", "{not json"), "'s4d.quant' is invalid");
    }

    @Test
    void failedSavesLeaveThePreviousFileAndNoTemporaryFiles() throws IOException {
        QuantizedModel good = quantized(SMALL, QuantConfig.defaults(), 1);
        Path p = dir.resolve("q.safetensors");
        QuantizedModelFiles.save(good, p);
        byte[] before = Files.readAllBytes(p);

        int[] weights = good.decoder().weights().clone();
        weights[2] = 128;
        QuantDense wide = new QuantDense(good.decoder().outputs(), good.decoder().inputs(), weights, good.decoder().weightFraction(),
                good.decoder().bias());
        QuantizedModel bad = new QuantizedModel(good.model(), good.quant(), good.inputFraction(), good.blocks(), good.outputLinear(),
                good.outputFraction(), wide, good.logitFraction(), good.calibratedMax());
        assertThatThrownBy(() -> QuantizedModelFiles.save(bad, p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'decoder.weight' holds 128 at flat index 2, outside the range [-128, 127] of 8-bit weights");
        Map<String, Long> fewer = new LinkedHashMap<>(good.calibratedMax());
        fewer.remove("relu2");
        QuantizedModel incomplete = new QuantizedModel(good.model(), good.quant(), good.inputFraction(), good.blocks(),
                good.outputLinear(), good.outputFraction(), good.decoder(), good.logitFraction(), fewer);
        assertThatThrownBy(() -> QuantizedModelFiles.save(incomplete, p)).hasMessageContaining("expected the sender groups");

        // A directory in the way makes the final rename fail.
        Path blocked = Files.createDirectory(dir.resolve("blocked.safetensors"));
        Files.writeString(blocked.resolve("keep"), "x");
        assertThatThrownBy(() -> QuantizedModelFiles.save(good, blocked)).isInstanceOf(IOException.class);

        assertThat(Files.readAllBytes(p)).isEqualTo(before);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList()).containsExactlyInAnyOrder("q.safetensors", "blocked.safetensors");
        }
    }
}
