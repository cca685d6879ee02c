package dev.s4d.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Ways to obtain a {@link Dataset} other than {@link SequenceTask#load}: from explicit files, and
 * from the 100 MNIST test digits bundled in the jar (so demos run with no data installed).
 */
public final class Datasets {
    /** Number of MNIST test digits bundled as a resource. */
    public static final int BUNDLED_DIGITS = 100;

    static final String BUNDLED_IMAGES = "mnist-t10k-first100-images-idx3-ubyte.gz";
    static final String BUNDLED_LABELS = "mnist-t10k-first100-labels-idx1-ubyte.gz";

    private Datasets() {
    }

    /**
     * The first 100 images of the MNIST test set (labels 7, 2, 1, 0, 4, …), encoded for
     * {@link SequenceTask#SMNIST}. MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C.
     * Burges (CC BY-SA 3.0); see {@code MNIST-ATTRIBUTION.txt} next to the resource.
     */
    public static Dataset bundledMnistDigits() {
        return bundledMnistDigits(SequenceTask.SMNIST);
    }

    /** The bundled 100 MNIST test digits, encoded for {@code task} ({@code SMNIST} or {@code PSMNIST}). */
    public static Dataset bundledMnistDigits(SequenceTask task) {
        if (task.corpus() != Corpus.MNIST) {
            throw new IllegalArgumentException("the bundled digits are MNIST; task " + task.id() + " reads " + task.corpus().displayName());
        }
        IdxImages images = IdxReader.parseImages(BUNDLED_IMAGES, resource(BUNDLED_IMAGES));
        byte[] labels = IdxReader.parseLabels(BUNDLED_LABELS, resource(BUNDLED_LABELS), task.nClasses());
        return fromImages(task, task.id() + " bundled digits", images, labels, BUNDLED_LABELS);
    }

    /**
     * A dataset from an IDX image file and an IDX label file (each raw or gzip), for an
     * MNIST-like task (28×28 images).
     */
    public static Dataset fromIdx(SequenceTask task, Path images, Path labels) {
        return fromIdx(task, task.id() + " " + images.getFileName(), images, labels);
    }

    /** A dataset from CIFAR-10 binary batch files (read in the given order), for a CIFAR-10 task. */
    public static Dataset fromCifarBinary(SequenceTask task, List<Path> batchFiles) {
        return fromCifarBinary(task, task.id() + " " + batchFiles.getFirst().getFileName()
                + (batchFiles.size() > 1 ? "+" + (batchFiles.size() - 1) : ""), batchFiles);
    }

    static Dataset fromIdx(SequenceTask task, String name, Path images, Path labels) {
        if (task.corpus() == Corpus.CIFAR10) {
            throw new IllegalArgumentException("task " + task.id() + " reads CIFAR-10 binary batches, not IDX files");
        }
        return fromImages(task, name, IdxReader.readImages(images), IdxReader.readLabels(labels, task.nClasses()),
                labels.toString());
    }

    static Dataset fromCifarBinary(SequenceTask task, String name, List<Path> batchFiles) {
        if (task.corpus() != Corpus.CIFAR10) {
            throw new IllegalArgumentException("task " + task.id() + " reads IDX files, not CIFAR-10 binary batches");
        }
        CifarRecords records = CifarReader.read(batchFiles);
        return new ByteImageDataset(task, name, records.records(), 1, CifarRecords.RECORD_SIZE,
                records.records(), 0, CifarRecords.RECORD_SIZE, records.count());
    }

    private static Dataset fromImages(SequenceTask task, String name, IdxImages images, byte[] labels, String labelSource) {
        if (images.rows() != 28 || images.cols() != 28) {
            throw new DatasetException(images.source(), "expected 28x28 images for task " + task.id() + ", found "
                    + images.rows() + "x" + images.cols());
        }
        if (images.count() != labels.length) {
            throw new DatasetException(images.source(), "holds " + images.count() + " images but the labels file "
                    + labelSource + " holds " + labels.length + " labels; expected equal counts (files from different sets?)");
        }
        return new ByteImageDataset(task, name, images.pixels(), images.offset(), images.imageSize(),
                labels, 0, 1, images.count());
    }

    private static RawBytes.Content resource(String name) {
        try (InputStream in = Datasets.class.getResourceAsStream(name)) {
            if (in == null) throw new DatasetException("resource dev/s4d/data/" + name, "missing from the classpath");
            return RawBytes.read("resource dev/s4d/data/" + name, in);
        } catch (IOException e) {
            throw new DatasetException("resource dev/s4d/data/" + name, "could not read: " + e, e);
        }
    }
}
