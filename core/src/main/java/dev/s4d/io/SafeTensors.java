package dev.s4d.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.s4d.model.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes the safetensors format, the tensor file format of Hugging Face's {@code safetensors}
 * library that PyTorch users save state_dicts in.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length N, N bytes of UTF-8 JSON
 * {@code {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}},
 * then the data buffer, into which the offsets point (little-endian, row-major).
 *
 * <p>Reading accepts F32 and converts F16, BF16 and F64 to float, so state_dicts saved in other
 * precisions load. {@link #read} takes float tensors only (model parameters, checkpoints);
 * {@link #readWithIntegers} also takes the signed integer dtypes I8, I16 and I32, widened exactly to
 * {@code int} (quantised models). Every number in the header is checked before it is used, and the
 * checks match the reference library's: the offsets must tile the data buffer exactly (no overlaps, no
 * holes, no trailing bytes). NaN and infinite values are not an error at this level; the model checks those.
 *
 * <p>Writing produces float tensors as F32 and integer tensors in the dtype each names, ordered by
 * element size (largest first, so every tensor starts aligned to its element size) and then by name
 * (the order the reference library writes equal-dtype tensors in), metadata keys sorted, and the header
 * padded with spaces to a multiple of 8 bytes so the data starts aligned. The file is written to a
 * temporary sibling and moved into place atomically.
 */
public final class SafeTensors {
    private SafeTensors() {
    }

    /** The reference library refuses larger headers; so do we, before allocating anything. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private static final String METADATA = "__metadata__";

    /** Unsupported dtypes of the reference library, listed so an error can say "unsupported" rather than "unknown". */
    private static final Set<String> OTHER_KNOWN_DTYPES = Set.of(
            "BOOL", "U8", "U16", "U32", "U64", "I64",
            "F8_E4M3", "F8_E5M2", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4", "C64");

    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /** The element types this reader understands: four float types and three signed integer types. */
    public enum DType {
        F32(4, false), F16(2, false), BF16(2, false), F64(8, false), I8(1, true), I16(2, true), I32(4, true);

        private final int bytes;
        private final boolean integer;

        DType(int bytes, boolean integer) {
            this.bytes = bytes;
            this.integer = integer;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }

        /** Whether this is a signed integer type (read into {@link IntTensor}s, not {@link Tensor}s). */
        public boolean isInteger() {
            return integer;
        }

        /** Smallest value of an integer type. */
        public int minValue() {
            requireInteger();
            return -(int) (1L << (8 * bytes - 1));
        }

        /** Largest value of an integer type. */
        public int maxValue() {
            requireInteger();
            return (int) ((1L << (8 * bytes - 1)) - 1);
        }

        private void requireInteger() {
            if (!integer) throw new IllegalStateException(this + " is not an integer dtype");
        }

        private static List<DType> floats() {
            return Arrays.stream(values()).filter(d -> !d.integer).toList();
        }
    }

    /**
     * An integer tensor as stored: its dtype, a shape and a flat row-major array. Every value must fit
     * the dtype, so writing it loses nothing. The array is shared, not copied, as in {@link Tensor}.
     */
    public record IntTensor(DType dtype, int[] shape, int[] data) {
        public IntTensor {
            if (dtype == null || !dtype.isInteger()) {
                throw new IllegalArgumentException("an integer tensor needs an integer dtype (I8, I16, I32), got " + dtype);
            }
            shape = shape.clone();
            Tensor.checkShape(shape, data.length);
            for (int i = 0; i < data.length; i++) {
                if (data[i] < dtype.minValue() || data[i] > dtype.maxValue()) {
                    throw new IllegalArgumentException("value " + data[i] + " at flat index " + i + " does not fit " + dtype
                            + " [" + dtype.minValue() + ", " + dtype.maxValue() + "]");
                }
            }
        }

        @Override
        public int[] shape() {
            return shape.clone();
        }

        public boolean hasShape(int... expected) {
            return Arrays.equals(shape, expected);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof IntTensor t && dtype == t.dtype && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
        }

        @Override
        public String toString() {
            return "IntTensor" + dtype + Arrays.toString(shape);
        }
    }

    /**
     * What a file holds.
     *
     * @param metadata       the {@code __metadata__} strings (empty if absent)
     * @param tensors        the float tensors, converted to float, in the order their data lies in the file
     * @param dtypes         the dtype each tensor (float or integer) was stored in
     * @param integerTensors the integer tensors, in file order (empty unless read with {@link #readWithIntegers})
     */
    public record Contents(Map<String, String> metadata, Map<String, Tensor> tensors, Map<String, DType> dtypes,
                           Map<String, IntTensor> integerTensors) {
        public Contents {
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
            dtypes = Collections.unmodifiableMap(new LinkedHashMap<>(dtypes));
            integerTensors = Collections.unmodifiableMap(new LinkedHashMap<>(integerTensors));
        }

        /** Float tensors only. */
        public Contents(Map<String, String> metadata, Map<String, Tensor> tensors, Map<String, DType> dtypes) {
            this(metadata, tensors, dtypes, Map.of());
        }
    }

    /** One header entry after validation; offsets are relative to the data buffer. */
    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
    }

    // ------------------------------------------------------------------------------------------ reading

    /**
     * Reads a whole safetensors file of float tensors.
     *
     * @throws ModelFileException if the file is not a valid safetensors file of supported float dtypes
     * @throws IOException        if it cannot be read at all
     */
    public static Contents read(Path path) throws IOException {
        return read(path, false);
    }

    /**
     * Reads a whole safetensors file whose tensors may also be I8, I16 or I32; those go to
     * {@link Contents#integerTensors()}, the float ones to {@link Contents#tensors()}.
     *
     * @throws ModelFileException if the file is not a valid safetensors file of supported dtypes
     * @throws IOException        if it cannot be read at all
     */
    public static Contents readWithIntegers(Path path) throws IOException {
        return read(path, true);
    }

    /**
     * The metadata of a safetensors file, reading only its header (which is checked as fully as by
     * {@link #readWithIntegers}, including that the tensors tile the data the file holds).
     *
     * @throws ModelFileException if the file is not a valid safetensors file of supported dtypes
     * @throws IOException        if it cannot be read at all
     */
    public static Map<String, String> metadata(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return readHeader(path, ch, true).metadata();
        }
    }

    /** A checked header: the metadata, the entries in header order, and where and how long the data is. */
    private record Header(Map<String, String> metadata, List<Entry> entries, long dataOffset, long dataLength) {
    }

    private static Contents read(Path path, boolean integersAllowed) throws IOException {
        // Model files are small (< 10 MB), so the data is read into the heap once. Mapping would save a
        // copy but keeps the file locked on some platforms until GC, which breaks saving over it.
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = readHeader(path, ch, integersAllowed);
            ByteBuffer data = readFully(ch, h.dataOffset(), (int) h.dataLength()).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, IntTensor> integers = new LinkedHashMap<>();
            Map<String, DType> dtypes = new LinkedHashMap<>();
            for (Entry e : h.entries()) {
                if (e.dtype().isInteger()) {
                    integers.put(e.name(), new IntTensor(e.dtype(), e.shape(), decodeIntegers(data, e)));
                } else {
                    tensors.put(e.name(), new Tensor(e.shape(), decode(data, e)));
                }
                dtypes.put(e.name(), e.dtype());
            }
            return new Contents(h.metadata(), tensors, dtypes, integers);
        }
    }

    private static Header readHeader(Path path, FileChannel ch, boolean integersAllowed) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new ModelFileException(path, "truncated: the file has " + size
                    + " bytes, but a safetensors file starts with an 8-byte header length");
        }
        long headerLength = readFully(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long available = size - 8;
        // Compared unsigned: a length with the top bit set is a huge number, not a negative one.
        if (Long.compareUnsigned(headerLength, available) > 0) {
            throw new ModelFileException(path, "header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file: only " + available
                    + " bytes follow the length field (truncated file, or not a safetensors file)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new ModelFileException(path, "header length " + headerLength + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        long dataLength = available - headerLength;
        if (dataLength > Integer.MAX_VALUE - 16) {
            throw new ModelFileException(path, "data buffer of " + dataLength + " bytes is too large for this reader");
        }
        String header = decodeUtf8(path, readFully(ch, 8, (int) headerLength));
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = parseHeader(path, header, dataLength, integersAllowed, entries);
        checkTiling(path, entries, dataLength);
        return new Header(metadata, entries, 8 + headerLength, dataLength);
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int n = ch.read(b, position + b.position());
            if (n < 0) throw new IOException("file shrank while being read");
        }
        return b.flip();
    }

    private static String decodeUtf8(Path path, ByteBuffer bytes) throws ModelFileException {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new ModelFileException(path, "header is not valid UTF-8 (not a safetensors file?)", e);
        }
    }

    /** Parses and checks the header; fills {@code entries} in header order and returns the metadata. */
    private static Map<String, String> parseHeader(Path path, String header, long dataLength, boolean integersAllowed,
                                                   List<Entry> entries) throws ModelFileException {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new ModelFileException(path, "header is not valid JSON: " + e.getOriginalMessage()
                    + " (header starts with " + quoteStart(header) + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFileException(path, "header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            String name = field.getKey();
            JsonNode value = field.getValue();
            if (name.equals(METADATA)) {
                if (!value.isObject()) {
                    throw new ModelFileException(path, "'__metadata__' must be an object of strings, found " + kind(value));
                }
                for (Map.Entry<String, JsonNode> kv : value.properties()) {
                    if (!kv.getValue().isTextual()) {
                        throw new ModelFileException(path, "metadata '" + kv.getKey() + "' must be a string, found "
                                + kind(kv.getValue()));
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
            } else {
                entries.add(parseEntry(path, name, value, dataLength, integersAllowed));
            }
        }
        return metadata;
    }

    private static Entry parseEntry(Path path, String name, JsonNode value, long dataLength, boolean integersAllowed)
            throws ModelFileException {
        String where = "tensor '" + name + "'";
        if (!value.isObject()) {
            throw new ModelFileException(path, where + " must be an object with dtype, shape and data_offsets, found " + kind(value));
        }
        for (Map.Entry<String, JsonNode> property : value.properties()) {
            String f = property.getKey();
            if (!f.equals("dtype") && !f.equals("shape") && !f.equals("data_offsets")) {
                throw new ModelFileException(path, where + " has unexpected field '" + f
                        + "', expected only dtype, shape and data_offsets");
            }
        }
        JsonNode dtypeNode = value.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new ModelFileException(path, where + " needs a string 'dtype', found " + kind(dtypeNode));
        }
        DType dtype = dtypeOf(path, where, dtypeNode.textValue(), integersAllowed);

        JsonNode shapeNode = value.get("shape");
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new ModelFileException(path, where + " needs an array 'shape', found " + kind(shapeNode));
        }
        int[] shape = new int[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = nonNegativeInteger(path, where + " shape[" + i + "]", shapeNode.get(i));
            if (d > Integer.MAX_VALUE) throw new ModelFileException(path, where + " dimension " + d + " is too large");
            shape[i] = (int) d;
            elements *= d;
            // Checked on every step so the product cannot overflow before the test.
            if (elements > Integer.MAX_VALUE) {
                throw new ModelFileException(path, where + " shape " + shapeNode + " has too many elements");
            }
        }

        JsonNode offsets = value.get("data_offsets");
        if (offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelFileException(path, where + " needs 'data_offsets' [begin, end], found "
                    + (offsets == null ? "nothing" : offsets.toString()));
        }
        long begin = nonNegativeInteger(path, where + " data_offsets[0]", offsets.get(0));
        long end = nonNegativeInteger(path, where + " data_offsets[1]", offsets.get(1));
        if (end < begin) {
            throw new ModelFileException(path, where + " has data_offsets [" + begin + ", " + end + "] with end before begin");
        }
        long expectedBytes = elements * dtype.bytes();
        if (end - begin != expectedBytes) {
            throw new ModelFileException(path, where + " has shape " + Arrays.toString(shape) + " of " + dtype
                    + ", which needs " + expectedBytes + " bytes, but data_offsets [" + begin + ", " + end
                    + "] span " + (end - begin) + " bytes");
        }
        if (end > dataLength) {
            throw new ModelFileException(path, where + " has data_offsets [" + begin + ", " + end
                    + "] out of range: the data buffer has only " + dataLength + " bytes (truncated file?)");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    private static DType dtypeOf(Path path, String where, String text, boolean integersAllowed) throws ModelFileException {
        String supported = (integersAllowed ? Arrays.asList(DType.values()) : DType.floats()).toString();
        for (DType d : DType.values()) {
            if (!d.name().equals(text)) continue;
            if (d.isInteger() && !integersAllowed) {
                throw new ModelFileException(path, where + " has integer dtype " + text
                        + " where float tensors are expected; expected one of " + supported);
            }
            return d;
        }
        if (OTHER_KNOWN_DTYPES.contains(text)) {
            throw new ModelFileException(path, where + " has dtype " + text
                    + ", which cannot hold model parameters; expected one of " + supported);
        }
        throw new ModelFileException(path, where + " has unknown dtype '" + text + "', expected one of " + supported);
    }

    private static long nonNegativeInteger(Path path, String what, JsonNode n) throws ModelFileException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new ModelFileException(path, what + " must be a non-negative integer, found " + (n == null ? "nothing" : n.toString()));
        }
        return n.longValue();
    }

    /** The reference library requires the tensors to tile the data buffer: this keeps files unambiguous. */
    private static void checkTiling(Path path, List<Entry> entries, long dataLength) throws ModelFileException {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < expected) {
                throw new ModelFileException(path, "tensors '" + previous.name() + "' [" + previous.begin() + ", "
                        + previous.end() + "] and '" + e.name() + "' [" + e.begin() + ", " + e.end() + "] overlap");
            }
            if (e.begin() > expected) {
                throw new ModelFileException(path, "bytes [" + expected + ", " + e.begin()
                        + ") of the data buffer belong to no tensor (before '" + e.name() + "'); expected tensors to cover the buffer without gaps");
            }
            expected = e.end();
            previous = e;
        }
        if (expected != dataLength) {
            throw new ModelFileException(path, "the data buffer has " + dataLength + " bytes but the tensors cover only "
                    + expected + "; expected no trailing bytes");
        }
    }

    private static float[] decode(ByteBuffer data, Entry e) {
        int n = Math.toIntExact((e.end() - e.begin()) / e.dtype().bytes());
        float[] out = new float[n];
        int at = (int) e.begin();
        switch (e.dtype()) {
            case F32 -> {
                for (int i = 0; i < n; i++) out[i] = data.getFloat(at + 4 * i);
            }
            case F16 -> {
                for (int i = 0; i < n; i++) out[i] = Float.float16ToFloat(data.getShort(at + 2 * i));
            }
            case BF16 -> {
                // bfloat16 is the upper half of a float32, so widening is exact.
                for (int i = 0; i < n; i++) out[i] = Float.intBitsToFloat((data.getShort(at + 2 * i) & 0xffff) << 16);
            }
            case F64 -> {
                // Rounded to nearest; values beyond float range become infinite and the model rejects them.
                for (int i = 0; i < n; i++) out[i] = (float) data.getDouble(at + 8 * i);
            }
            default -> throw new IllegalStateException(e.dtype() + " is not a float dtype");
        }
        return out;
    }

    private static int[] decodeIntegers(ByteBuffer data, Entry e) {
        int n = Math.toIntExact((e.end() - e.begin()) / e.dtype().bytes());
        int[] out = new int[n];
        int at = (int) e.begin();
        switch (e.dtype()) {
            case I8 -> {
                for (int i = 0; i < n; i++) out[i] = data.get(at + i);
            }
            case I16 -> {
                for (int i = 0; i < n; i++) out[i] = data.getShort(at + 2 * i);
            }
            case I32 -> {
                for (int i = 0; i < n; i++) out[i] = data.getInt(at + 4 * i);
            }
            default -> throw new IllegalStateException(e.dtype() + " is not an integer dtype");
        }
        return out;
    }

    private static String kind(JsonNode n) {
        return n == null ? "nothing" : n.getNodeType().toString().toLowerCase() + " " + abbreviate(n.toString());
    }

    private static String quoteStart(String header) {
        return "'" + abbreviate(header) + "'";
    }

    private static String abbreviate(String s) {
        String t = s.length() > 40 ? s.substring(0, 40) + "…" : s;
        StringBuilder b = new StringBuilder();
        for (char c : t.toCharArray()) b.append(c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        return b.toString();
    }

    // ------------------------------------------------------------------------------------------ writing

    /**
     * Writes tensors as F32 with the given metadata, replacing {@code path} atomically: on any failure
     * the previous file (if any) is untouched and no temporary file is left behind.
     */
    public static void write(Path path, Map<String, String> metadata, Map<String, Tensor> tensors) throws IOException {
        write(path, metadata, tensors, Map.of());
    }

    /**
     * Writes float tensors as F32 and integer tensors in their own dtypes, with the given metadata,
     * replacing {@code path} atomically as {@link #write(Path, Map, Map)} does. A name may appear in
     * only one of the two maps.
     */
    public static void write(Path path, Map<String, String> metadata, Map<String, Tensor> tensors,
                             Map<String, IntTensor> integerTensors) throws IOException {
        AtomicFiles.write(path, encode(metadata, tensors, integerTensors));
    }

    /** One tensor to write: its name, dtype, shape and element count. */
    private record Out(String name, DType dtype, int[] shape, int size) {
    }

    /** The complete file content. */
    static ByteBuffer encode(Map<String, String> metadata, Map<String, Tensor> tensors, Map<String, IntTensor> integerTensors) {
        List<Out> outs = new ArrayList<>();
        tensors.forEach((name, t) -> {
            checkName(name, t);
            outs.add(new Out(name, DType.F32, t.shape(), t.size()));
        });
        integerTensors.forEach((name, t) -> {
            checkName(name, t);
            if (tensors.containsKey(name)) throw new IllegalArgumentException("tensor '" + name + "' is given both as float and as integer");
            outs.add(new Out(name, t.dtype(), t.shape(), t.data().length));
        });
        // Larger elements first keeps every tensor aligned to its element size (the data starts 8-aligned);
        // then sorted by UTF-8 bytes, as the reference library sorts names of equal dtype: equal inputs give equal files.
        outs.sort(Comparator.comparingInt((Out o) -> -o.dtype().bytes()).thenComparing(Out::name, SafeTensors::compareUtf8));

        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            List<String> keys = new ArrayList<>(metadata.keySet());
            keys.sort(SafeTensors::compareUtf8);
            for (String k : keys) {
                String v = metadata.get(k);
                if (k == null || v == null) throw new IllegalArgumentException("metadata may not hold null: " + k + "=" + v);
                meta.put(k, v);
            }
        }
        long offset = 0;
        for (Out o : outs) {
            ObjectNode e = header.putObject(o.name());
            e.put("dtype", o.dtype().name());
            ArrayNode shape = e.putArray("shape");
            for (int d : o.shape()) shape.add(d);
            long bytes = (long) o.dtype().bytes() * o.size();
            e.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a tree of strings and numbers", e);
        }
        // Spaces are JSON whitespace, so the padded header still parses; the data then starts 8-aligned.
        int padded = (json.length + 7) / 8 * 8;
        long total = 8L + padded + offset;
        if (total > Integer.MAX_VALUE - 16) throw new IllegalArgumentException("tensors too large for one file: " + total + " bytes");
        ByteBuffer b = ByteBuffer.allocate((int) total).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) b.put((byte) ' ');
        for (Out o : outs) {
            if (o.dtype() == DType.F32) {
                for (float v : tensors.get(o.name()).data()) b.putFloat(v);
            } else {
                putIntegers(b, integerTensors.get(o.name()));
            }
        }
        return b.flip();
    }

    private static void checkName(String name, Object tensor) {
        if (name == null || name.isEmpty() || name.equals(METADATA)) {
            throw new IllegalArgumentException("invalid tensor name '" + name + "'");
        }
        if (tensor == null) throw new IllegalArgumentException("tensor '" + name + "' is null");
    }

    /** The values fit the dtype (checked by {@link IntTensor}), so the narrowing casts are exact. */
    private static void putIntegers(ByteBuffer b, IntTensor t) {
        switch (t.dtype()) {
            case I8 -> {
                for (int v : t.data()) b.put((byte) v);
            }
            case I16 -> {
                for (int v : t.data()) b.putShort((short) v);
            }
            case I32 -> {
                for (int v : t.data()) b.putInt(v);
            }
            default -> throw new IllegalStateException(t.dtype() + " is not an integer dtype");
        }
    }

    private static int compareUtf8(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
