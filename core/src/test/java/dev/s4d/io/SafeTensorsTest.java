package dev.s4d.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.s4d.model.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The safetensors layer alone: layout, dtype conversion, atomic writes, and one test per malformation. */
class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file with the given header text (unpadded) and data bytes. */
    static byte[] raw(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return raw(h.length, h, data);
    }

    static byte[] raw(long declaredLength, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        return b.array();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        return b.array();
    }

    private Path file(byte[] content) throws IOException {
        return Files.write(dir.resolve("t.safetensors"), content);
    }

    /**
     * Refused by {@link SafeTensors#read}; and by {@link SafeTensors#metadata}, which checks the same
     * header, exactly when and as {@link SafeTensors#readWithIntegers} refuses it (same dtypes accepted).
     */
    private void assertRejected(byte[] content, String... fragments) throws IOException {
        Path p = file(content);
        assertThatThrownBy(() -> SafeTensors.read(p))
                .isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith(p.toString())
                .hasMessageContainingAll(fragments);
        Throwable whole = org.assertj.core.api.Assertions.catchThrowable(() -> SafeTensors.readWithIntegers(p));
        if (whole == null) {
            // Only the float reader's refusal (an integer dtype): the header itself is fine.
            assertThat(SafeTensors.metadata(p)).isEqualTo(SafeTensors.readWithIntegers(p).metadata());
        } else {
            assertThatThrownBy(() -> SafeTensors.metadata(p)).isInstanceOf(ModelFileException.class).hasMessage(whole.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------- round trip

    @Test
    void writesSortedAlignedF32AndReadsItBack() throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("zeta", new Tensor(new int[]{2, 3}, new float[]{1, -2, 3.5f, Float.MIN_VALUE, -0f, 1e30f}));
        tensors.put("alpha", new Tensor(new int[]{3}, new float[]{Float.NaN, Float.POSITIVE_INFINITY, 7}));
        tensors.put("scalar", new Tensor(new int[]{}, new float[]{42}));
        tensors.put("empty", new Tensor(new int[]{0, 4}, new float[0]));
        Path p = dir.resolve("m.safetensors");
        SafeTensors.write(p, Map.of("format", "pt", "note", "ünïcode ✓ \"quoted\""), tensors);

        SafeTensors.Contents c = SafeTensors.read(p);
        assertThat(c.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("format", "pt", "note", "ünïcode ✓ \"quoted\""));
        // NaN is not an error at this level; the model decides.
        assertThat(c.tensors()).containsExactlyInAnyOrderEntriesOf(tensors);
        assertThat(c.tensors().keySet()).containsExactly("alpha", "empty", "scalar", "zeta");
        assertThat(c.dtypes().values()).containsOnly(SafeTensors.DType.F32);

        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        long n = bytes.getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes.array(), 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\",\"note\"");
        assertThat(header.indexOf("\"alpha\"")).isLessThan(header.indexOf("\"zeta\""));
    }

    @Test
    void equalInputsGiveEqualBytes() throws IOException {
        Map<String, Tensor> a = new LinkedHashMap<>();
        a.put("b", new Tensor(new int[]{1}, new float[]{1}));
        a.put("a", new Tensor(new int[]{1}, new float[]{2}));
        Map<String, Tensor> b = new LinkedHashMap<>();
        b.put("a", a.get("a"));
        b.put("b", a.get("b"));
        Path p1 = dir.resolve("1.safetensors");
        Path p2 = dir.resolve("2.safetensors");
        SafeTensors.write(p1, Map.of("y", "1", "x", "2"), a);
        SafeTensors.write(p2, new java.util.TreeMap<>(Map.of("y", "1", "x", "2")), b);
        assertThat(Files.readAllBytes(p1)).isEqualTo(Files.readAllBytes(p2));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNothingBehindOnFailure() throws IOException {
        Path p = dir.resolve("m.safetensors");
        SafeTensors.write(p, Map.of(), Map.of("a", new Tensor(new int[]{1}, new float[]{1})));
        SafeTensors.write(p, Map.of(), Map.of("a", new Tensor(new int[]{1}, new float[]{2})));
        assertThat(SafeTensors.read(p).tensors().get("a").data()).containsExactly(2f);

        // A directory in the way makes the final rename fail: the temporary file must be cleaned up.
        Path blocked = Files.createDirectory(dir.resolve("blocked.safetensors"));
        Files.writeString(blocked.resolve("keep"), "x");
        assertThatThrownBy(() -> SafeTensors.write(blocked, Map.of(), Map.of("a", new Tensor(new int[]{1}, new float[]{1}))))
                .isInstanceOf(IOException.class);
        assertThatThrownBy(() -> SafeTensors.write(p, Map.of(), Map.of("__metadata__", new Tensor(new int[]{1}, new float[]{1}))))
                .isInstanceOf(IllegalArgumentException.class);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString()).toList())
                    .containsExactlyInAnyOrder("m.safetensors", "blocked.safetensors");
        }
        assertThat(SafeTensors.read(p).tensors().get("a").data()).containsExactly(2f);
    }

    // ------------------------------------------------------------------------------------------- dtypes

    @Test
    void readsF16Bf16F64ByHand() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(2 * 4 + 2 * 3 + 8 * 2).order(ByteOrder.LITTLE_ENDIAN);
        // F16: 1.0, -2.0, 65504 (max), 2^-24 (smallest subnormal)
        d.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x7BFF).putShort((short) 0x0001);
        // BF16: 1.0, -3.0 (0xC040), 1.5 × 2^-126 is not needed; use 0x7F80 (+inf)
        d.putShort((short) 0x3F80).putShort((short) 0xC040).putShort((short) 0x7F80);
        // F64: 0.1 rounds to the nearest float; 1e-50 underflows to 0
        d.putDouble(0.1).putDouble(1e-50);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[8,14]},"
                + "\"d\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[14,30]}}";
        SafeTensors.Contents c = SafeTensors.read(file(raw(header, d.array())));
        assertThat(c.tensors().get("h").data()).containsExactly(1f, -2f, 65504f, 0x1p-24f);
        assertThat(c.tensors().get("h").shape()).containsExactly(2, 2);
        assertThat(c.tensors().get("b").data()).containsExactly(1f, -3f, Float.POSITIVE_INFINITY);
        assertThat(c.tensors().get("d").data()).containsExactly(0.1f, 0f);
        assertThat(c.dtypes()).containsEntry("h", SafeTensors.DType.F16).containsEntry("b", SafeTensors.DType.BF16)
                .containsEntry("d", SafeTensors.DType.F64);
    }

    /** The same conversions against PyTorch's own (file and values made by tools/golden/make_golden.py). */
    @Test
    void dtypeConversionsMatchPyTorch() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(GoldenTest.golden("dtypes.safetensors"));
        JsonNode expected = new ObjectMapper().readTree(GoldenTest.golden("dtypes.json").toFile());
        assertThat(c.tensors().keySet()).containsExactlyInAnyOrderElementsOf(() -> expected.fieldNames());
        for (String name : c.tensors().keySet()) {
            JsonNode e = expected.get(name);
            Tensor t = c.tensors().get(name);
            assertThat(c.dtypes().get(name).name()).isEqualTo(e.get("dtype").textValue());
            assertThat(t.shape()).containsExactly(new ObjectMapper().convertValue(e.get("shape"), int[].class));
            for (int i = 0; i < t.size(); i++) {
                float want = (float) e.get("values").get(i).doubleValue();
                assertThat(Float.floatToRawIntBits(t.data()[i])).as("%s[%d] = %s, PyTorch says %s", name, i, t.data()[i], want)
                        .isEqualTo(Float.floatToRawIntBits(want));
            }
        }
    }

    // ----------------------------------------------------------------------------------- integer dtypes

    private static SafeTensors.IntTensor ints(SafeTensors.DType dtype, int[] shape, int... values) {
        return new SafeTensors.IntTensor(dtype, shape, values);
    }

    @Test
    void integerTensorsRoundTripExactlyNextToFloats() throws IOException {
        Map<String, SafeTensors.IntTensor> integers = new LinkedHashMap<>();
        integers.put("w8", ints(SafeTensors.DType.I8, new int[]{2, 2}, -128, 127, 0, -1));
        integers.put("w16", ints(SafeTensors.DType.I16, new int[]{3}, -32768, 32767, 12345));
        integers.put("b32", ints(SafeTensors.DType.I32, new int[]{3}, Integer.MIN_VALUE, Integer.MAX_VALUE, (1 << 24) + 1));
        integers.put("none", ints(SafeTensors.DType.I8, new int[]{0}));
        Map<String, Tensor> floats = Map.of("f", new Tensor(new int[]{1}, new float[]{0.5f}));
        Path p = dir.resolve("q.safetensors");
        SafeTensors.write(p, Map.of("k", "v"), floats, integers);

        SafeTensors.Contents c = SafeTensors.readWithIntegers(p);
        assertThat(c.integerTensors()).containsExactlyInAnyOrderEntriesOf(integers);
        assertThat(c.tensors()).containsExactlyInAnyOrderEntriesOf(floats);
        assertThat(c.dtypes()).containsEntry("w8", SafeTensors.DType.I8).containsEntry("w16", SafeTensors.DType.I16)
                .containsEntry("b32", SafeTensors.DType.I32).containsEntry("f", SafeTensors.DType.F32);
        // Larger elements first, then names: every tensor starts aligned to its element size.
        assertThat(c.dtypes().keySet()).containsExactly("b32", "f", "w16", "none", "w8");

        // The float reader refuses integer tensors and says what it expected.
        assertThatThrownBy(() -> SafeTensors.read(p)).isInstanceOf(ModelFileException.class)
                .hasMessageContainingAll("tensor 'b32' has integer dtype I32", "float tensors are expected", "[F32, F16, BF16, F64]");
    }

    @Test
    void readsLittleEndianIntegersByHand() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(4 + 2 * 2 + 2).order(ByteOrder.LITTLE_ENDIAN);
        d.putInt(-2).putShort((short) 0x8000).putShort((short) 0x0102).put((byte) 0xff).put((byte) 0x7f);
        String header = "{\"i\":{\"dtype\":\"I32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"s\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[4,8]},"
                + "\"b\":{\"dtype\":\"I8\",\"shape\":[2,1],\"data_offsets\":[8,10]}}";
        SafeTensors.Contents c = SafeTensors.readWithIntegers(file(raw(header, d.array())));
        assertThat(c.integerTensors().get("i").data()).containsExactly(-2);
        assertThat(c.integerTensors().get("s").data()).containsExactly(-32768, 258);
        assertThat(c.integerTensors().get("b").data()).containsExactly(-1, 127);
        assertThat(c.integerTensors().get("b").shape()).containsExactly(2, 1);
        assertThat(c.tensors()).isEmpty();
    }

    @Test
    void rejectsCorruptIntegerTensors() throws IOException {
        String i32 = "{\"a\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        Path ok = file(raw(i32, floats(1, 2)));
        assertThat(SafeTensors.readWithIntegers(ok).integerTensors()).containsOnlyKeys("a");
        assertRejectedWithIntegers(raw(i32, floats(1)), "tensor 'a'", "[0, 8]", "out of range", "only 4 bytes");
        assertRejectedWithIntegers(raw(i32.replace("[2]", "[3]"), floats(1, 2)), "shape [3] of I32", "needs 12 bytes", "span 8 bytes");
        assertRejectedWithIntegers(raw(i32.replace("I32", "I16"), floats(1, 2)), "shape [2] of I16", "needs 4 bytes", "span 8 bytes");
        assertRejectedWithIntegers(raw(i32.replace("I32", "I8"), floats(1, 2)), "shape [2] of I8", "needs 2 bytes");
        assertRejectedWithIntegers(raw(i32, floats(1, 2, 3)), "data buffer has 12 bytes but the tensors cover only 8");
        assertRejectedWithIntegers(raw(i32.replace("I32", "U32"), floats(1, 2)), "dtype U32", "cannot hold",
                "expected one of [F32, F16, BF16, F64, I8, I16, I32]");
        assertRejectedWithIntegers(raw(i32.replace("I32", "I64").replace("[0,8]", "[0,16]"), floats(1, 2, 3, 4)), "dtype I64");
    }

    private void assertRejectedWithIntegers(byte[] content, String... fragments) throws IOException {
        Path p = file(content);
        assertThatThrownBy(() -> SafeTensors.readWithIntegers(p))
                .isInstanceOf(ModelFileException.class)
                .hasMessageStartingWith(p.toString())
                .hasMessageContainingAll(fragments);
    }

    @Test
    void integerTensorsCheckTheirValuesAndNames() throws IOException {
        assertThatThrownBy(() -> ints(SafeTensors.DType.I8, new int[]{2}, 1, 128))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContainingAll("128", "flat index 1", "I8 [-128, 127]");
        assertThatThrownBy(() -> ints(SafeTensors.DType.I16, new int[]{1}, -32769)).hasMessageContaining("I16 [-32768, 32767]");
        assertThatThrownBy(() -> ints(SafeTensors.DType.F32, new int[]{1}, 1)).hasMessageContaining("needs an integer dtype");
        assertThatThrownBy(() -> ints(SafeTensors.DType.I32, new int[]{2, 2}, 1, 2, 3))
                .hasMessageContaining("shape [2, 2] holds 4 values but the data has 3");
        Path p = dir.resolve("x.safetensors");
        Map<String, Tensor> floats = Map.of("a", new Tensor(new int[]{1}, new float[]{1}));
        Map<String, SafeTensors.IntTensor> integers = Map.of("a", ints(SafeTensors.DType.I32, new int[]{1}, 1));
        assertThatThrownBy(() -> SafeTensors.write(p, Map.of(), floats, integers))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' is given both as float and as integer");
        assertThat(Files.exists(p)).isFalse();
    }

    // ---------------------------------------------------------------------------------- malformed files

    private static final String ONE = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    @Test
    void wellFormedBaselineReads() throws IOException {
        assertThat(SafeTensors.read(file(raw(ONE, floats(1, 2)))).tensors().get("a").data()).containsExactly(1f, 2f);
    }

    @Test
    void metadataAloneIsTheWholeReadsMetadata() throws IOException {
        Path p = dir.resolve("m.safetensors");
        Map<String, String> meta = Map.of("s4d.kind", "model", "note", "ünïcode");
        SafeTensors.write(p, meta, Map.of("w", new Tensor(new int[]{2}, new float[]{1, 2})),
                Map.of("q", ints(SafeTensors.DType.I8, new int[]{1}, -3)));
        assertThat(SafeTensors.metadata(p)).isEqualTo(SafeTensors.readWithIntegers(p).metadata()).containsAllEntriesOf(meta);
    }

    @Test
    void rejectsFileShorterThanTheLengthField() throws IOException {
        assertRejected(new byte[]{1, 0, 0}, "truncated", "3 bytes", "8-byte header length");
    }

    @Test
    void rejectsHeaderLengthPastEndOfFile() throws IOException {
        byte[] h = ONE.getBytes(StandardCharsets.UTF_8);
        assertRejected(raw(h.length + 100L, h, floats(1, 2)), "header length " + (h.length + 100), "runs past the end of the file");
        assertRejected(raw(-1L, h, floats(1, 2)), "header length 18446744073709551615", "runs past the end");
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        assertRejected(raw(ONE, floats(1)), "tensor 'a'", "[0, 8]", "out of range", "only 4 bytes");
    }

    @Test
    void rejectsGarbageJson() throws IOException {
        assertRejected(raw("{\"a\": [1, 2", new byte[0]), "header is not valid JSON");
        assertRejected(raw("PK\u0003\u0004 not json", new byte[0]), "header is not valid JSON", "PK\\u0003\\u0004");
        assertRejected(raw("[1, 2]", new byte[0]), "header must be a JSON object", "array");
        assertRejected(raw(8, new byte[]{(byte) 0xff, (byte) 0xfe, 0, 0, 0, 0, 0, 0}, new byte[0]), "not valid UTF-8");
        assertRejected(raw(ONE.replace("}}", "}, \"a\": {}}"), floats(1, 2)), "not valid JSON", "Duplicate field 'a'");
        assertRejected(raw(ONE + " {}", floats(1, 2)), "not valid JSON");
    }

    @Test
    void rejectsUnknownAndUnsupportedDtypes() throws IOException {
        assertRejected(raw(ONE.replace("F32", "F31"), floats(1, 2)), "tensor 'a'", "unknown dtype 'F31'", "expected one of [F32, F16, BF16, F64]");
        assertRejected(raw(ONE.replace("F32", "I64").replace("[0,8]", "[0,16]"), floats(1, 2, 3, 4)), "dtype I64", "expected one of");
        assertRejected(raw(ONE.replace("F32", "I32"), floats(1, 2)), "integer dtype I32", "expected one of [F32, F16, BF16, F64]");
    }

    @Test
    void rejectsShapeThatDoesNotMatchTheOffsets() throws IOException {
        assertRejected(raw(ONE.replace("[2]", "[3]"), floats(1, 2)), "tensor 'a'", "shape [3] of F32", "needs 12 bytes", "span 8 bytes");
        assertRejected(raw(ONE.replace("[2]", "[-2]"), floats(1, 2)), "shape[0] must be a non-negative integer, found -2");
        assertRejected(raw(ONE.replace("[2]", "[2.0]"), floats(1, 2)), "shape[0] must be a non-negative integer, found 2.0");
        assertRejected(raw(ONE.replace("[2]", "[65536,65536]"), floats(1, 2)), "too many elements");
        assertRejected(raw(ONE.replace("\"shape\":[2],", ""), floats(1, 2)), "needs an array 'shape', found nothing");
    }

    @Test
    void rejectsBadOffsets() throws IOException {
        assertRejected(raw(ONE.replace("[0,8]", "[8,16]"), floats(1, 2)), "[8, 16]", "out of range", "only 8 bytes");
        assertRejected(raw(ONE.replace("[0,8]", "[8,0]"), floats(1, 2)), "end before begin");
        assertRejected(raw(ONE.replace("[0,8]", "[0]"), floats(1, 2)), "needs 'data_offsets' [begin, end], found [0]");
        assertRejected(raw(ONE.replace("[0,8]", "[0,99999999999999999999999]"), floats(1, 2)), "data_offsets[1] must be a non-negative integer");
    }

    @Test
    void rejectsOverlapsHolesAndTrailingBytes() throws IOException {
        String two = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        assertRejected(raw(two, floats(1, 2, 3)), "tensors 'a' [0, 8] and 'b' [4, 12] overlap");
        String gap = two.replace("[4,12]", "[12,20]");
        assertRejected(raw(gap, floats(1, 2, 3, 4, 5)), "bytes [8, 12)", "belong to no tensor", "before 'b'");
        assertRejected(raw(ONE, floats(1, 2, 3)), "data buffer has 12 bytes but the tensors cover only 8", "trailing");
    }

    @Test
    void rejectsMalformedEntriesAndMetadata() throws IOException {
        assertRejected(raw("{\"a\": 5}", new byte[0]), "tensor 'a' must be an object", "found number 5");
        assertRejected(raw(ONE.replace("\"dtype\"", "\"device\":\"cuda\",\"dtype\""), floats(1, 2)), "unexpected field 'device'");
        assertRejected(raw(ONE.replace("{\"a\"", "{\"__metadata__\":{\"epoch\":3},\"a\""), floats(1, 2)),
                "metadata 'epoch' must be a string, found number 3");
        assertRejected(raw(ONE.replace("{\"a\"", "{\"__metadata__\":[],\"a\""), floats(1, 2)), "'__metadata__' must be an object");
    }

    @Test
    void headerPaddingAndMissingMetadataAreFine() throws IOException {
        SafeTensors.Contents c = SafeTensors.read(file(raw(ONE + "      ", floats(1, 2))));
        assertThat(c.metadata()).isEmpty();
        assertThat(c.tensors()).containsOnlyKeys(List.of("a"));
        assertThat(SafeTensors.read(file(raw("{}", new byte[0]))).tensors()).isEmpty();
    }
}
