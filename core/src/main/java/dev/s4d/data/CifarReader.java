package dev.s4d.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads CIFAR-10 "binary version" batch files ({@code data_batch_1.bin} … {@code data_batch_5.bin},
 * {@code test_batch.bin}) into one contiguous array of records.
 *
 * <p>A file must be a whole, non-zero number of 3073-byte records and every label byte must be
 * 0..9; anything else is reported as a {@link DatasetException} naming the file. The number of
 * records per file is not fixed here (the official files hold 10,000 each, but subsets in the
 * same format are legitimate).
 */
public final class CifarReader {
    /** CIFAR-10 has ten classes; a label byte outside 0..9 means a corrupt or foreign file. */
    public static final int CLASSES = 10;

    private CifarReader() {
    }

    /** Reads the given batch files, in order, into one set of records. */
    public static CifarRecords read(List<Path> files) {
        if (files.isEmpty()) throw new IllegalArgumentException("no CIFAR-10 batch files given");
        long total = 0;
        long[] sizes = new long[files.size()];
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            long size;
            try {
                size = Files.size(file);
            } catch (NoSuchFileException e) {
                throw new DatasetException(file, "file not found");
            } catch (IOException e) {
                throw new DatasetException(file, "could not read: " + e, e);
            }
            checkSize(file.toString(), size);
            sizes[f] = size;
            total += size;
        }
        if (total > Integer.MAX_VALUE - 16) {
            throw new DatasetException(files.toString(), total + " bytes of CIFAR records do not fit in one Java array");
        }
        // One array for all batches so a record is addressed by a single offset; 50,000 training records are 154 MB.
        byte[] records = new byte[(int) total];
        int pos = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = files.get(f);
            try (InputStream in = Files.newInputStream(file)) {
                int n = in.readNBytes(records, pos, (int) sizes[f]);
                if (n != sizes[f]) {
                    throw new DatasetException(file, "expected " + sizes[f] + " bytes, could read only " + n + " (file changed while reading?)");
                }
            } catch (IOException e) {
                throw new DatasetException(file, "could not read: " + e, e);
            }
            checkLabels(file.toString(), records, pos, (int) (sizes[f] / CifarRecords.RECORD_SIZE));
            pos += (int) sizes[f];
        }
        String source = files.size() == 1 ? files.getFirst().toString() : files.toString();
        return new CifarRecords(source, (int) (total / CifarRecords.RECORD_SIZE), records);
    }

    private static void checkSize(String source, long size) {
        if (size == 0 || size % CifarRecords.RECORD_SIZE != 0) {
            long whole = size / CifarRecords.RECORD_SIZE;
            long rest = size % CifarRecords.RECORD_SIZE;
            throw new DatasetException(source, "expected a whole, non-zero number of " + CifarRecords.RECORD_SIZE
                    + "-byte records (1 label byte + 3072 pixel bytes), found " + size + " bytes = " + whole
                    + " records and " + rest + " bytes left over" + (rest != 0 ? " (truncated?)" : ""));
        }
    }

    private static void checkLabels(String source, byte[] records, int offset, int count) {
        for (int i = 0; i < count; i++) {
            int label = records[offset + i * CifarRecords.RECORD_SIZE] & 0xff;
            if (label >= CLASSES) {
                throw new DatasetException(source, "label " + label + " in record " + i + " (byte offset "
                        + (long) i * CifarRecords.RECORD_SIZE + ") is outside the expected range 0.." + (CLASSES - 1)
                        + "; not a CIFAR-10 binary batch, or corrupt");
            }
        }
    }
}
