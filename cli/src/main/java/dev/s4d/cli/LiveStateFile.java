package dev.s4d.cli;

import dev.s4d.io.ModelFileException;
import dev.s4d.io.ModelFiles;
import dev.s4d.io.SafeTensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The open streams of an {@code s4d live --state} session, kept between runs: a safetensors file
 * ({@code s4d.kind} = {@value #KIND}) with one I8 tensor per stream, named as the stream, holding the
 * engine's snapshot of it (which names the model it belongs to, so another model's state is refused).
 * Written atomically: a run that fails leaves the previous file as it was.
 */
final class LiveStateFile {
    static final String KIND = "live-state";
    private static final String VERSION_KEY = "s4d.live.version";
    private static final String VERSION = "1";

    private LiveStateFile() {
    }

    static void write(Path file, SortedMap<String, byte[]> streams) throws IOException {
        Map<String, SafeTensors.IntTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> e : streams.entrySet()) {
            byte[] bytes = e.getValue();
            int[] values = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) values[i] = bytes[i];
            tensors.put(e.getKey(), new SafeTensors.IntTensor(SafeTensors.DType.I8, new int[]{bytes.length}, values));
        }
        SafeTensors.write(file, Map.of(ModelFiles.KIND_KEY, KIND, VERSION_KEY, VERSION), Map.of(), tensors);
    }

    /** The streams of a state file by name; refuses anything else (a model file, another version, a corrupt file). */
    static SortedMap<String, byte[]> read(Path file) throws IOException {
        SafeTensors.Contents c = SafeTensors.readWithIntegers(file);
        String kind = c.metadata().get(ModelFiles.KIND_KEY);
        if (!KIND.equals(kind)) {
            throw new ModelFileException(file, "not an s4d live state file (" + (kind == null ? "no " + ModelFiles.KIND_KEY + " in its metadata"
                    : "kind '" + kind + "'") + ", expected '" + KIND + "')");
        }
        if (!VERSION.equals(c.metadata().get(VERSION_KEY))) {
            throw new ModelFileException(file, "live state version '" + c.metadata().get(VERSION_KEY) + "', this s4d reads '" + VERSION + "'");
        }
        if (!c.tensors().isEmpty()) throw new ModelFileException(file, "holds float tensors; a live state file has only I8 snapshots");
        SortedMap<String, byte[]> out = new TreeMap<>();
        for (Map.Entry<String, SafeTensors.IntTensor> e : c.integerTensors().entrySet()) {
            // Names go into the output unescaped, so they must be names a token line could have given.
            if (!LiveLine.isName(e.getKey())) throw new ModelFileException(file, "stream name '" + e.getKey() + "' is not a valid stream name");
            SafeTensors.IntTensor t = e.getValue();
            if (t.dtype() != SafeTensors.DType.I8 || t.shape().length != 1) {
                throw new ModelFileException(file, "stream '" + e.getKey() + "' is " + t.dtype() + " " + java.util.Arrays.toString(t.shape())
                        + ", expected a one-dimensional I8 snapshot");
            }
            byte[] bytes = new byte[t.data().length];
            for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) t.data()[i];
            out.put(e.getKey(), bytes);
        }
        return out;
    }
}
