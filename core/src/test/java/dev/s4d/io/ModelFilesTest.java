package dev.s4d.io;

import dev.s4d.model.S4DModel;

import static org.assertj.core.api.Assertions.assertThat;

class ModelFilesTest {
    /** Same config and every tensor bit for bit (Tensor.equals compares float bits, in order-insensitive maps). */
    static void assertSameModel(S4DModel actual, S4DModel expected) {
        assertThat(actual.config()).isEqualTo(expected.config());
        assertThat(actual.parameters().names()).containsExactlyElementsOf(expected.parameters().names());
        expected.parameters().asMap().forEach((name, t) -> {
            float[] a = actual.get(name).data();
            float[] e = t.data();
            assertThat(actual.get(name).shape()).as(name).isEqualTo(t.shape());
            for (int i = 0; i < e.length; i++) {
                assertThat(Float.floatToRawIntBits(a[i])).as("%s[%d]", name, i).isEqualTo(Float.floatToRawIntBits(e[i]));
            }
        });
    }
}
