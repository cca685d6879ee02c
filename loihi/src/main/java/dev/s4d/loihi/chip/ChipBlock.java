package dev.s4d.loihi.chip;

/**
 * One compiled block of the neuron graph: the dense synapses into its u-neurons, the u → s4d → relu
 * chain, and the neuron-group and site indices its counts go to.
 *
 * @param reluShift from the relu accumulator (f_y) to its payload (f_r)
 */
record ChipBlock(DenseSynapses input, Shift uShift, int uGroup, int uPayloadSite,
                 S4DNeurons s4d, int s4dGroup,
                 Shift reluShift, int reluGroup, int reluAccumulatorSite, int reluPayloadSite) {
}
