package dev.s4d.loihi.chip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.s4d.loihi.quant.QuantConfig;
import dev.s4d.loihi.quant.QuantizedModel;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What compiling refuses, and the options' checks. */
class FixedPointEngineTest {

    @Test
    void mantissasWiderThanTheirWidthsAreRefused() {
        HandModel m = new HandModel();
        m.encoderWeight = 128; // weight_bits 8: at most 127
        assertThatThrownBy(m::engine).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoder weight [0][0] = 128 does not fit weight_bits 8");
        m = new HandModel();
        m.aIm = -32769; // coefficient_bits 16
        assertThatThrownBy(m::engine).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s4d1 coefficient a_im[0] = -32769 does not fit coefficient_bits 16");
    }

    @Test
    void shiftsThatCouldLeave64BitsAreRefused() {
        HandModel m = new HandModel();
        m.uFraction = 5 + 40; // u shift 1 − 40 = −39: a 23-bit accumulator shifted left by 39 bits
        assertThatThrownBy(m::engine).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("u1 payload shifts left by 39 bits");
        m = new HandModel();
        m.expC = -30; // a sum of two 24-bit × 16-bit products (39 bits) shifted left by 30 bits
        assertThatThrownBy(m::engine).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("s4d1 output (e_C) shifts left by 30 bits");
        m = new HandModel();
        m.expD = 48; // a right shift by any amount is fine: the clamped exponent of D = 0
        assertThat(m.engine().latencySteps()).isEqualTo(5);
        m = new HandModel();
        m.uFraction = 5 + 20; // a left shift by 19 bits is fine
        assertThat(m.engine().latencySteps()).isEqualTo(5);
    }

    @Test
    void sigmaDeltaNeedsEveryCalibratedMagnitude() {
        QuantizedModel q = new HandModel().build();
        Map<String, Long> partial = new HashMap<>(q.calibratedMax());
        partial.remove("relu1");
        QuantizedModel missing = new QuantizedModel(q.model(), q.quant(), q.inputFraction(), q.blocks(), q.outputLinear(),
                q.outputFraction(), q.decoder(), q.logitFraction(), partial);
        assertThatThrownBy(() -> FixedPointEngine.compile(missing, ChipOptions.defaults().withSigmaDelta(0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'relu1'");
        // Without sigma-delta the magnitudes are not needed.
        assertThat(FixedPointEngine.compile(missing, ChipOptions.defaults()).model()).isSameAs(missing);
    }

    @Test
    void optionsAreChecked() {
        assertThatThrownBy(() -> new ChipOptions(true, -0.1, 1)).hasMessageContaining("finite fraction ≥ 0");
        assertThatThrownBy(() -> new ChipOptions(true, Double.NaN, 1)).hasMessageContaining("finite fraction ≥ 0");
        assertThatThrownBy(() -> new ChipOptions(false, 0.1, 1)).hasMessageContaining("needs sigma-delta");
        assertThatThrownBy(() -> new ChipOptions(false, 0, 0)).hasMessageContaining("threads must be at least 1");
        ChipOptions d = ChipOptions.defaults();
        assertThat(d.sigmaDelta()).isFalse();
        assertThat(d.threshold()).isZero();
        assertThat(d.threads()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(d.withSigmaDelta(0.5).withThreads(2)).isEqualTo(new ChipOptions(true, 0.5, 2));
    }

    @Test
    void theEngineReportsItsModelAndTopology() {
        QuantizedModel q = TestModels.random(1, 3, 5, 2, 3, 4, dev.s4d.model.Readout.LAST, QuantConfig.defaults());
        FixedPointEngine e = FixedPointEngine.compile(q, ChipOptions.defaults());
        assertThat(e.model()).isSameAs(q);
        assertThat(e.topology().sites()).hasSize(1 + 6 * 3 + 4);
        assertThat(e.latencySteps()).isEqualTo(3 * 3 + 2);
        assertThatThrownBy(() -> e.open(0)).hasMessageContaining("at least one stream");
        assertThatThrownBy(() -> e.open(Integer.MAX_VALUE / 2)).hasMessageContaining("open fewer streams");
    }
}
