package dev.s4d.train;

import dev.s4d.data.DataLocator;
import dev.s4d.data.Dataset;
import dev.s4d.data.SequenceTask;
import dev.s4d.data.Split;
import dev.s4d.model.ModelConfig;
import dev.s4d.train.grad.BatchNorms;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Which statistics a batch-normalised run's norms should fold with, run by hand, not a test: the
 * validation accuracy of one checkpoint's weights folded with the moments of the plain calibration
 * pictures and with those of the same pictures augmented as training batches are (several draws). From
 * the project root, with a checkpoint of a {@code --batch-norm} run on sCIFAR (copy it first if its run
 * is going on: the trainer rewrites it):
 * <pre>
 *   ./mvnw -o -q -pl core,train install -DskipTests && ./mvnw -o -q -pl core,train test-compile
 *   ./mvnw -o -q -pl train dependency:build-classpath -Dmdep.outputFile=target/speed.classpath
 *   java --add-modules jdk.incubator.vector \
 *        -cp "core/target/classes:$(cat train/target/speed.classpath):train/target/classes:train/target/test-classes" \
 *        dev.s4d.train.BatchNormCalibrationProbe CHECKPOINT [samples [draws]]
 * </pre>
 * The split, batch size and augmentation are the checkpoint's; {@code samples} (default
 * {@value Trainer#CALIBRATION_SAMPLES}) are the first of its training split.
 */
public final class BatchNormCalibrationProbe {
    private BatchNormCalibrationProbe() {
    }

    public static void main(String[] args) throws Exception {
        Checkpoint checkpoint = Checkpoint.read(Path.of(args[0]));
        int samples = args.length > 1 ? Integer.parseInt(args[1]) : Trainer.CALIBRATION_SAMPLES;
        int draws = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        TrainConfig config = checkpoint.trainConfig();
        if (!config.batchNorm()) throw new IllegalArgumentException(args[0] + " is not a batch-normalised run's checkpoint");
        Dataset train = SequenceTask.SCIFAR.load(Split.TRAIN, DataLocator.standard(null, false));
        int[][] split = Trainer.split(config, train.size());
        GradientSource source = GradientSources.forModel(checkpoint.modelConfig(), config.toBuilder().teachers(java.util.List.of()).build());
        System.out.printf(Locale.ROOT, "checkpoint at step %d (epoch %d), %d calibration samples, %d validation samples%n",
                checkpoint.step(), checkpoint.epoch() + 1, samples, split[1].length);
        report("plain pictures", checkpoint, statistics(checkpoint, source, train, split[0], samples, null), train, split[1]);
        for (int d = 0; d < draws; d++) {
            report("augmented, draw " + (d + 1), checkpoint, statistics(checkpoint, source, train, split[0], samples, new SplittableRandom(d)),
                    train, split[1]);
        }
    }

    private static BatchNorms.Statistics statistics(Checkpoint checkpoint, GradientSource source, Dataset train, int[] trainIdx,
                                                    int samples, SplittableRandom coin) {
        int batch = checkpoint.trainConfig().batchSize();
        Augmentation augment = checkpoint.trainConfig().augment();
        BatchNorms.Statistics stats = null;
        for (int from = 0; from < samples; from += batch) {
            float[][] x = new float[Math.min(batch, samples - from)][];
            for (int i = 0; i < x.length; i++) x[i] = train.sequence(trainIdx[from + i]);
            if (coin != null) augment.apply(x, train.length(), train.dInput(), train.rowWidth(), coin);
            BatchNorms.Statistics b = source.statistics(checkpoint.parameters(), x);
            stats = stats == null ? b : stats.pool(b);
        }
        return stats;
    }

    private static void report(String what, Checkpoint checkpoint, BatchNorms.Statistics stats, Dataset train, int[] val) {
        ModelConfig c = checkpoint.modelConfig();
        Evaluation e = Evaluation.measure(BatchNorms.fold(c, checkpoint.parameters(), stats), train, val,
                checkpoint.trainConfig().batchSize(), checkpoint.trainConfig().threads(), TrainListener.silent().begin("validate", val.length, 0));
        System.out.printf(Locale.ROOT, "folded with the statistics of the %s: validation %s%n", what, e.describe());
    }
}
