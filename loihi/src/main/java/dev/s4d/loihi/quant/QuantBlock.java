package dev.s4d.loihi.quant;

/**
 * One block of the neuron graph: the dense layer feeding its u-neurons (the encoder for the first
 * block, the previous block's mixing layer otherwise), the S4D neurons and the formats (fraction
 * bits) of u, of the S4D state, of the relu-neurons' accumulator y and of their payload r.
 */
public record QuantBlock(QuantDense input, int uFraction, QuantS4D s4d,
                         int stateFraction, int yFraction, int reluFraction) {

    public QuantBlock {
        if (input == null || s4d == null) throw new IllegalArgumentException("a block needs its input layer and S4D coefficients");
        if (input.outputs() != s4d.channels()) {
            throw new IllegalArgumentException("the block's input layer has " + input.outputs() + " outputs but its S4D layer "
                    + s4d.channels() + " channels");
        }
    }
}
