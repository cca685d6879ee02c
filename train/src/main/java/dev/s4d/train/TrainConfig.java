package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Everything that decides how a run trains, apart from the model's architecture and the data. It is
 * stored (as JSON, snake_case names) in every checkpoint, so a resumed run trains exactly as it began.
 *
 * @param epochs          passes over the training samples
 * @param batchSize       samples per optimiser step; an epoch's last batch may be smaller
 * @param lr              peak learning rate of every parameter outside the SSM group
 * @param lrSsm           peak learning rate of the SSM group ({@code log_dt}, {@code log_A_real},
 *                        {@code A_imag}), which the reference trains slower for stability
 * @param weightDecay     decoupled weight decay outside the SSM group
 * @param weightDecaySsm  decoupled weight decay of the SSM group (0 in the reference)
 * @param beta1           AdamW first-moment decay
 * @param beta2           AdamW second-moment decay
 * @param eps             AdamW denominator guard
 * @param warmupSteps     steps of linear warm-up before the decay
 * @param clipNorm        largest global L2 norm of the gradient; 0 turns clipping off
 * @param dropout         dropout rate handed to the gradient source
 * @param seed            root of every random choice of the run: validation split, shuffling, dropout
 * @param valFraction     share of the training split held out for validation, in [0, 1)
 * @param threads         worker threads of the gradient source and of evaluation
 * @param checkpointEvery steps between checkpoints inside an epoch; 0 checkpoints at epoch ends only
 * @param augment         what is done to training images; a checkpoint from before this setting
 *                        existed reads as {@link Augmentation#NONE}
 * @param averageLast     how many of the last epochs' end-of-epoch weights are averaged into
 *                        {@code averaged.safetensors} (stochastic weight averaging); 0 averages none, and a
 *                        checkpoint from before this setting existed reads as 0
 * @param schedule        what the rate does after the warm-up: cosine decay to 0, or constant; a
 *                        checkpoint from before this setting existed reads as cosine
 * @param labelSmoothing  ε of the training loss's target (1 − ε)·one-hot + ε/classes, in [0, 1)
 *                        ({@link dev.s4d.train.grad.LabelSmoothing}); validation and test losses stay the
 *                        plain cross-entropy, so runs compare; a checkpoint from before this setting
 *                        existed reads as 0
 * @param distillWeight   share w of the training loss that is the teachers' (knowledge distillation,
 *                        {@link dev.s4d.train.grad.Distillation}), in [0, 1]; 0, with no teachers, learns from
 *                        the labels alone
 * @param distillTemperature temperature T of the teachers' and the student's softmax in the teachers' term, positive
 * @param teachers        the model files whose mean probabilities the student learns from, with their
 *                        digests; empty exactly when distillWeight is 0. Checkpoints from before these three
 *                        settings existed read as 0, 1 and none
 * @param batchNorm       whether each S4D layer's input is batch-normalised in training and the norms folded into
 *                        the linear layers before them for inference ({@link dev.s4d.train.grad.BatchNorms}; loihi
 *                        flavour only); a checkpoint from before this setting existed reads as false
 */
public record TrainConfig(
        @JsonProperty("epochs") int epochs,
        @JsonProperty("batch_size") int batchSize,
        @JsonProperty("lr") double lr,
        @JsonProperty("lr_ssm") double lrSsm,
        @JsonProperty("weight_decay") double weightDecay,
        @JsonProperty("weight_decay_ssm") double weightDecaySsm,
        @JsonProperty("beta1") double beta1,
        @JsonProperty("beta2") double beta2,
        @JsonProperty("eps") double eps,
        @JsonProperty("warmup_steps") int warmupSteps,
        @JsonProperty("clip_norm") double clipNorm,
        @JsonProperty("dropout") double dropout,
        @JsonProperty("seed") long seed,
        @JsonProperty("val_fraction") double valFraction,
        @JsonProperty("threads") int threads,
        @JsonProperty("checkpoint_every") int checkpointEvery,
        @JsonProperty("augment") Augmentation augment,
        @JsonProperty("average_last") int averageLast,
        @JsonProperty("schedule") LearningRateSchedule.Decay schedule,
        @JsonProperty("label_smoothing") double labelSmoothing,
        @JsonProperty("distill_weight") double distillWeight,
        @JsonProperty("distill_temperature") double distillTemperature,
        @JsonProperty("teachers") List<TeacherFile> teachers,
        @JsonProperty("batch_norm") boolean batchNorm) {

    public TrainConfig {
        if (epochs < 1) throw new IllegalArgumentException("epochs must be at least 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("batch_size must be at least 1, got " + batchSize);
        requireNonNegative("lr", lr);
        requireNonNegative("lr_ssm", lrSsm);
        requireNonNegative("weight_decay", weightDecay);
        requireNonNegative("weight_decay_ssm", weightDecaySsm);
        requireUnitInterval("beta1", beta1);
        requireUnitInterval("beta2", beta2);
        if (!(eps > 0 && Double.isFinite(eps))) throw new IllegalArgumentException("eps must be positive, got " + eps);
        if (warmupSteps < 0) throw new IllegalArgumentException("warmup_steps must be non-negative, got " + warmupSteps);
        requireNonNegative("clip_norm", clipNorm);
        requireUnitInterval("dropout", dropout);
        requireUnitInterval("label_smoothing", labelSmoothing);
        requireUnitInterval("val_fraction", valFraction);
        if (threads < 1) throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpoint_every must be non-negative (0: epoch ends only), got " + checkpointEvery);
        }
        if (augment == null) augment = Augmentation.NONE;
        if (schedule == null) schedule = LearningRateSchedule.Decay.COSINE;
        if (!(distillWeight >= 0 && distillWeight <= 1)) throw new IllegalArgumentException("distill_weight must be in [0, 1], got " + distillWeight);
        if (!(distillTemperature > 0 && Double.isFinite(distillTemperature))) {
            throw new IllegalArgumentException("distill_temperature must be a positive number, got " + distillTemperature);
        }
        teachers = teachers == null ? List.of() : List.copyOf(teachers);
        if ((distillWeight > 0) != !teachers.isEmpty()) {
            throw new IllegalArgumentException(teachers.isEmpty() ? "distill_weight " + distillWeight + " needs at least one teacher"
                    : teachers.size() + " teacher(s) but distill_weight 0: give the share of the loss that is theirs");
        }
        if (augment.mixes() && distillWeight != 1) {
            throw new IllegalArgumentException("augment " + augment.id() + " blends pairs of training samples, which have no one label: mixup"
                    + " needs teachers that take the whole loss (distill_weight 1), got distill_weight " + distillWeight);
        }
        if (averageLast < 0 || averageLast > epochs) {
            throw new IllegalArgumentException("average_last must be in [0, epochs] = [0, " + epochs + "], got " + averageLast);
        }
    }

    private static void requireNonNegative(String name, double v) {
        if (!(v >= 0 && Double.isFinite(v))) throw new IllegalArgumentException(name + " must be a finite number >= 0, got " + v);
    }

    private static void requireUnitInterval(String name, double v) {
        if (!(v >= 0 && v < 1)) throw new IllegalArgumentException(name + " must be in [0, 1), got " + v);
    }

    /**
     * The reference recipe (REFERENCE.md §2): AdamW at 0.01 with weight decay 0.01, the SSM group at
     * 0.001 without decay, batch 64, dropout 0.1, cosine decay without warm-up, no clipping; 10% of the
     * training split for validation, a checkpoint every 100 steps, all cores, no augmentation, no
     * weight averaging, no label smoothing, no distillation, no batch norms.
     */
    public static TrainConfig defaults() {
        return new TrainConfig(10, 64, 0.01, 0.001, 0.01, 0.0, 0.9, 0.999, 1e-8, 0, 0.0, 0.1,
                0L, 0.1, Runtime.getRuntime().availableProcessors(), 100, Augmentation.NONE, 0, LearningRateSchedule.Decay.COSINE, 0.0, 0.0, 1.0, List.of(), false);
    }

    /** The learning-rate factors of a run of {@code stepsPerEpoch} steps an epoch with these settings. */
    public LearningRateSchedule learningRateSchedule(int stepsPerEpoch) {
        return new LearningRateSchedule(warmupSteps, (long) stepsPerEpoch * epochs, schedule);
    }

    /** The same settings on another number of threads, which a resumed run may always change. */
    public TrainConfig withThreads(int n) {
        return toBuilder().threads(n).build();
    }

    /** The same settings averaging the last {@code k} epochs. */
    public TrainConfig withAverageLast(int k) {
        return toBuilder().averageLast(k).build();
    }

    /** The same settings with the teachers found at other places (the same digests, or resuming fails). */
    public TrainConfig withTeachers(List<TeacherFile> files) {
        return toBuilder().teachers(files).build();
    }

    /** A builder that starts from {@link #defaults()}: {@code TrainConfig.builder().epochs(20).lr(0.003).build()}. */
    public static Builder builder() {
        return defaults().toBuilder();
    }

    /** A builder that starts from these settings. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Epochs that end before the first averaged one: the average takes epochs {@code averageFrom() + 1} to {@code epochs}. */
    public int averageFrom() {
        return epochs - averageLast;
    }

    /**
     * Whether a run saved with these settings after {@code epochsDone} epochs may continue with
     * {@code asked}. Threads may always change. The averaging window may change while no epoch of the
     * old or the new window has ended: averaging reads the weights and never changes the steps, so
     * such a run trains and averages exactly as one started with the new window would.
     */
    public boolean mayResumeAs(TrainConfig asked, int epochsDone) {
        TrainConfig same = withThreads(asked.threads);
        if (digests(asked.teachers).equals(digests(teachers))) same = same.withTeachers(asked.teachers);
        if (asked.epochs == epochs && epochsDone <= Math.min(averageFrom(), asked.averageFrom())) same = same.withAverageLast(asked.averageLast);
        return same.equals(asked);
    }

    private static List<String> digests(List<TeacherFile> files) {
        return files.stream().map(TeacherFile::sha256).toList();
    }

    /** Name endings of the SSM group: step size and state matrix, the parameters the reference trains gently. */
    public static final List<String> SSM_SUFFIXES = List.of("kernel.log_dt", "kernel.log_A_real", "kernel.A_imag");

    /** The optimiser group of a parameter: the SSM group for the state matrix and step size, else the default one. */
    public AdamW.Group groupOf(String parameterName) {
        return SSM_SUFFIXES.stream().anyMatch(parameterName::endsWith)
                ? new AdamW.Group("ssm", lrSsm, weightDecaySsm)
                : new AdamW.Group("default", lr, weightDecay);
    }

    /** Settings to change one by one, checked together by {@link #build()}; the setters take the record's component names. */
    public static final class Builder {
        private int epochs;
        private int batchSize;
        private double lr;
        private double lrSsm;
        private double weightDecay;
        private double weightDecaySsm;
        private double beta1;
        private double beta2;
        private double eps;
        private int warmupSteps;
        private double clipNorm;
        private double dropout;
        private long seed;
        private double valFraction;
        private int threads;
        private int checkpointEvery;
        private Augmentation augment;
        private int averageLast;
        private LearningRateSchedule.Decay schedule;
        private double labelSmoothing;
        private double distillWeight;
        private double distillTemperature;
        private List<TeacherFile> teachers;
        private boolean batchNorm;

        private Builder(TrainConfig c) {
            epochs = c.epochs;
            batchSize = c.batchSize;
            lr = c.lr;
            lrSsm = c.lrSsm;
            weightDecay = c.weightDecay;
            weightDecaySsm = c.weightDecaySsm;
            beta1 = c.beta1;
            beta2 = c.beta2;
            eps = c.eps;
            warmupSteps = c.warmupSteps;
            clipNorm = c.clipNorm;
            dropout = c.dropout;
            seed = c.seed;
            valFraction = c.valFraction;
            threads = c.threads;
            checkpointEvery = c.checkpointEvery;
            augment = c.augment;
            averageLast = c.averageLast;
            schedule = c.schedule;
            labelSmoothing = c.labelSmoothing;
            distillWeight = c.distillWeight;
            distillTemperature = c.distillTemperature;
            teachers = c.teachers;
            batchNorm = c.batchNorm;
        }

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder lr(double lr) {
            this.lr = lr;
            return this;
        }

        public Builder lrSsm(double lrSsm) {
            this.lrSsm = lrSsm;
            return this;
        }

        public Builder weightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder weightDecaySsm(double weightDecaySsm) {
            this.weightDecaySsm = weightDecaySsm;
            return this;
        }

        public Builder beta1(double beta1) {
            this.beta1 = beta1;
            return this;
        }

        public Builder beta2(double beta2) {
            this.beta2 = beta2;
            return this;
        }

        public Builder eps(double eps) {
            this.eps = eps;
            return this;
        }

        public Builder warmupSteps(int warmupSteps) {
            this.warmupSteps = warmupSteps;
            return this;
        }

        public Builder clipNorm(double clipNorm) {
            this.clipNorm = clipNorm;
            return this;
        }

        public Builder dropout(double dropout) {
            this.dropout = dropout;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder valFraction(double valFraction) {
            this.valFraction = valFraction;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder checkpointEvery(int checkpointEvery) {
            this.checkpointEvery = checkpointEvery;
            return this;
        }

        public Builder augment(Augmentation augment) {
            this.augment = augment;
            return this;
        }

        public Builder averageLast(int averageLast) {
            this.averageLast = averageLast;
            return this;
        }

        public Builder schedule(LearningRateSchedule.Decay schedule) {
            this.schedule = schedule;
            return this;
        }

        public Builder labelSmoothing(double labelSmoothing) {
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        public Builder distillWeight(double distillWeight) {
            this.distillWeight = distillWeight;
            return this;
        }

        public Builder distillTemperature(double distillTemperature) {
            this.distillTemperature = distillTemperature;
            return this;
        }

        public Builder teachers(List<TeacherFile> teachers) {
            this.teachers = teachers;
            return this;
        }

        public Builder batchNorm(boolean batchNorm) {
            this.batchNorm = batchNorm;
            return this;
        }

        /** The settings, checked as the record's constructor checks them. */
        public TrainConfig build() {
            return new TrainConfig(epochs, batchSize, lr, lrSsm, weightDecay, weightDecaySsm, beta1, beta2, eps, warmupSteps, clipNorm, dropout, seed, valFraction, threads, checkpointEvery, augment, averageLast, schedule, labelSmoothing,
                    distillWeight, distillTemperature, teachers, batchNorm);
        }
    }
}
