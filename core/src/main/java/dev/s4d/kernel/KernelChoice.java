package dev.s4d.kernel;

/** Picks the kernels once per JVM: vector unless forced scalar or the Vector API is missing. */
final class KernelChoice {
    private KernelChoice() {
    }

    /** The system property that forces the scalar kernels when set to {@code scalar}. */
    static final String PROPERTY = "s4d.kernels";

    static final Kernels BEST = choose(System.getProperty(PROPERTY),
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());

    /**
     * The choice itself, apart from the JVM's state so that it can be tested.
     *
     * @param property     the value of {@value #PROPERTY}, or null when unset
     * @param vectorModule whether jdk.incubator.vector is in the boot layer
     */
    static Kernels choose(String property, boolean vectorModule) {
        if (property != null && "scalar".equalsIgnoreCase(property.trim())) return ScalarKernels.INSTANCE;
        if (!vectorModule) return ScalarKernels.INSTANCE;
        return VectorKernels.create();
    }
}
