package dev.s4d.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelChoiceTest {

    @Test
    void propertyScalarForcesTheSpecification() {
        assertThat(KernelChoice.choose("scalar", true)).isSameAs(ScalarKernels.INSTANCE);
        assertThat(KernelChoice.choose(" Scalar ", true)).isSameAs(ScalarKernels.INSTANCE);
    }

    @Test
    void vectorByDefaultWhenTheModuleIsThere() {
        assertThat(KernelChoice.choose(null, true)).isInstanceOf(VectorKernels.class);
        assertThat(KernelChoice.choose("", true)).isInstanceOf(VectorKernels.class);
        assertThat(KernelChoice.choose("vector", true)).isInstanceOf(VectorKernels.class);
        assertThat(KernelChoice.choose(null, true).name()).isEqualTo("vector(" + VectorKernels.S.vectorBitSize() + "-bit)");
    }

    @Test
    void scalarWithoutTheVectorModule() {
        assertThat(KernelChoice.choose(null, false)).isSameAs(ScalarKernels.INSTANCE);
    }

    @Test
    void thisJvmUsesTheVectorKernels() {
        // surefire runs with --add-modules jdk.incubator.vector and without the property
        assertThat(Kernels.best().name()).startsWith("vector(");
        assertThat(Kernels.scalar().name()).isEqualTo("scalar");
    }

    /** The whole path: a fresh JVM started with -Ds4d.kernels=scalar reports the scalar kernels. */
    @Test
    void systemPropertyInAFreshJvm(@TempDir Path dir) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<String> base = List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", cp);
        assertThat(run(dir, base, "-Ds4d.kernels=scalar")).isEqualTo("scalar");
        assertThat(run(dir, base, "-Ds4d.kernels=")).startsWith("vector(");
    }

    private static String run(Path dir, List<String> base, String property) throws Exception {
        Path out = dir.resolve("out.txt");
        List<String> cmd = new java.util.ArrayList<>(base);
        cmd.add(property);
        cmd.add(PrintBest.class.getName());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
                .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child JVM finished").isTrue();
        assertThat(p.exitValue()).isZero();
        return Files.readString(out, StandardCharsets.UTF_8).strip();
    }

    /** Entry point of the child JVM. */
    public static final class PrintBest {
        public static void main(String[] args) {
            System.out.println(Kernels.best().name());
        }
    }
}
