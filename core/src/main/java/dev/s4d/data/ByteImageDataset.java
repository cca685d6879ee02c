package dev.s4d.data;

import java.util.Objects;

/**
 * A {@link Dataset} over raw 8-bit images in a byte array, converted to floats by the task on
 * each access.
 *
 * <p>Images and labels are addressed by base offset and stride so one class serves both layouts
 * without copying: MNIST (pixels and labels in separate arrays) and CIFAR-10 (label byte and
 * pixels interleaved in 3073-byte records). Raw bytes take a quarter of the memory of floats, and
 * the conversion is a table lookup per value, cheap next to any model step.
 */
final class ByteImageDataset implements Dataset {
    private final SequenceTask task;
    private final String name;
    private final byte[] pixels;
    private final int pixelBase;
    private final int pixelStride;
    private final byte[] labels;
    private final int labelBase;
    private final int labelStride;
    private final int size;

    ByteImageDataset(SequenceTask task, String name, byte[] pixels, int pixelBase, int pixelStride,
                     byte[] labels, int labelBase, int labelStride, int size) {
        this.task = Objects.requireNonNull(task);
        this.name = name;
        this.pixels = pixels;
        this.pixelBase = pixelBase;
        this.pixelStride = pixelStride;
        this.labels = labels;
        this.labelBase = labelBase;
        this.labelStride = labelStride;
        this.size = size;
        if (pixelStride < task.rawSize()) {
            throw new IllegalArgumentException("stride " + pixelStride + " is smaller than a " + task.id() + " image (" + task.rawSize() + " bytes)");
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SequenceTask task() {
        return task;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public int label(int i) {
        Objects.checkIndex(i, size);
        return labels[labelBase + i * labelStride] & 0xff;
    }

    @Override
    public void sequence(int i, float[] out, int off) {
        Objects.checkIndex(i, size);
        Objects.checkFromIndexSize(off, task.length() * task.dInput(), out.length);
        task.encode(pixels, pixelBase + i * pixelStride, out, off);
    }

    @Override
    public Dataset slice(int from, int to) {
        Objects.checkFromToIndex(from, to, size);
        if (from == 0 && to == size) return this;
        return new ByteImageDataset(task, name + "[" + from + ":" + to + "]", pixels, pixelBase + from * pixelStride, pixelStride,
                labels, labelBase + from * labelStride, labelStride, to - from);
    }

    @Override
    public String toString() {
        return name + " (" + size + " samples, " + task.length() + "x" + task.dInput() + ")";
    }
}
