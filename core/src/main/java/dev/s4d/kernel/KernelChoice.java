package dev.s4d.kernel;

/** Picks the kernels once per JVM: vector unless forced scalar or the Vector API is missing. */
final class KernelChoice {
    private KernelChoice() {
    }

    static final Kernels BEST = choose();

    private static Kernels choose() {
        if ("scalar".equalsIgnoreCase(System.getProperty("s4d.kernels", ""))) return ScalarKernels.INSTANCE;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return ScalarKernels.INSTANCE;
        return VectorKernels.create();
    }
}
