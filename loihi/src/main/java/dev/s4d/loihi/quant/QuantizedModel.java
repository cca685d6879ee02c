package dev.s4d.loihi.quant;

import dev.s4d.model.BlockFlavour;
import dev.s4d.model.ModelConfig;
import dev.s4d.model.Readout;

import java.util.List;
import java.util.Map;

/**
 * A loihi-flavour model in the chip's integer formats: the value every fixed-point engine compiles
 * (docs/LOIHI_ARITHMETIC.md). All formats are fraction bits: an integer q stands for q·2^(−f).
 *
 * @param model          the float model's architecture (loihi flavour)
 * @param quant          widths and arithmetic modes
 * @param inputFraction  f_x of the input features
 * @param blocks         one per S4D block
 * @param outputLinear   the last block's mixing layer, feeding the out-neurons
 * @param outputFraction f_o of the out-neurons' payload
 * @param decoder        the decoder, feeding the class neurons
 * @param logitFraction  f_z: the class neurons' format (the decoder accumulator's for last-token
 *                       readout, the integrator's for mean readout)
 * @param calibratedMax  per sender group (input, u1…, s4d1…, relu1…, out) the largest calibrated
 *                       magnitude in that group's integer format, for sigma-delta thresholds
 */
public record QuantizedModel(ModelConfig model, QuantConfig quant, int inputFraction, List<QuantBlock> blocks,
                             QuantDense outputLinear, int outputFraction, QuantDense decoder, int logitFraction,
                             Map<String, Long> calibratedMax) {

    public QuantizedModel {
        if (model == null || quant == null) throw new IllegalArgumentException("a quantised model needs its model and quantisation configs");
        if (model.flavour() != BlockFlavour.LOIHI) {
            throw new IllegalArgumentException("only the loihi flavour runs on the chip (ReLU blocks without norm or residual), got "
                    + model.flavour().id());
        }
        blocks = List.copyOf(blocks);
        calibratedMax = Map.copyOf(calibratedMax);
        if (blocks.size() != model.nLayers()) {
            throw new IllegalArgumentException("model has " + model.nLayers() + " layers but " + blocks.size() + " quantised blocks");
        }
        int h = model.dModel();
        for (int i = 0; i < blocks.size(); i++) {
            QuantBlock b = blocks.get(i);
            int in = i == 0 ? model.dInput() : h;
            if (b.input().inputs() != in || b.input().outputs() != h || b.s4d().modes() != model.modes()) {
                throw new IllegalArgumentException("block " + (i + 1) + " has shapes " + b.input().outputs() + "×" + b.input().inputs()
                        + " and " + b.s4d().modes() + " modes, expected " + h + "×" + in + " and " + model.modes());
            }
        }
        if (outputLinear.inputs() != h || outputLinear.outputs() != h) {
            throw new IllegalArgumentException("the output layer must be " + h + "×" + h + ", got "
                    + outputLinear.outputs() + "×" + outputLinear.inputs());
        }
        if (decoder.inputs() != h || decoder.outputs() != model.nClasses()) {
            throw new IllegalArgumentException("the decoder must be " + model.nClasses() + "×" + h + ", got "
                    + decoder.outputs() + "×" + decoder.inputs());
        }
    }

    /** The payload format of the group sending into block {@code i}'s input layer (x, or the previous relu). */
    public int senderFraction(int i) {
        return i == 0 ? inputFraction : blocks.get(i - 1).reluFraction();
    }

    /** Right shift from block i's input accumulator to its u payload. */
    public int uShift(int i) {
        QuantBlock b = blocks.get(i);
        return b.input().weightFraction() + senderFraction(i) - b.uFraction();
    }

    /** Right shift from block i's relu accumulator to its payload. */
    public int reluShift(int i) {
        QuantBlock b = blocks.get(i);
        return b.yFraction() - b.reluFraction();
    }

    /** Format of the out-neurons' accumulator (the last mixing layer's). */
    public int outputAccumulatorFraction() {
        return outputLinear.weightFraction() + blocks.get(blocks.size() - 1).reluFraction();
    }

    public int outputShift() {
        return outputAccumulatorFraction() - outputFraction;
    }

    /** Format of the decoder's accumulator at the class neurons. */
    public int decoderAccumulatorFraction() {
        return decoder.weightFraction() + outputFraction;
    }

    /** Right shift from the decoder accumulator into the mean-readout integrator (0 for last-token readout). */
    public int poolShift() {
        return model.readout() == Readout.MEAN ? decoderAccumulatorFraction() - logitFraction : 0;
    }
}
