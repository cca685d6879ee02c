package dev.s4d.kernel;

/** Placeholder until the Vector API kernels land: delegates to the scalar specification. */
final class VectorKernels {
    private VectorKernels() {
    }

    static Kernels create() {
        return ScalarKernels.INSTANCE;
    }
}
