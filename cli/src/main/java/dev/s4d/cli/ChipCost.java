package dev.s4d.cli;

import dev.s4d.loihi.chip.ChipCounters;
import dev.s4d.loihi.chip.ChipTopology;
import dev.s4d.loihi.cost.ChipLimits;
import dev.s4d.loihi.cost.CoreMapping;
import dev.s4d.loihi.cost.CostConstants;
import dev.s4d.loihi.cost.CostModel;
import dev.s4d.loihi.cost.CostReport;
import dev.s4d.loihi.cost.MemoryModel;
import dev.s4d.loihi.quant.QuantConfig;

/** The one way the commands map a quantised model onto Loihi 2 and cost what the engine counted. */
final class ChipCost {
    private ChipCost() {
    }

    /** Loihi 2 limits; {@code maxNeuronsPerCore} null: as few cores as memory allows. */
    static CoreMapping mapping(ChipTopology topology, QuantConfig quant, boolean sigmaDelta, Integer maxNeuronsPerCore) {
        MemoryModel memory = new MemoryModel(quant, sigmaDelta, ChipLimits.loihi2());
        return maxNeuronsPerCore == null ? CoreMapping.map(topology, memory) : CoreMapping.map(topology, memory, maxNeuronsPerCore);
    }

    /** The report with the default constants and the fewest cores. */
    static CostReport report(ChipTopology topology, QuantConfig quant, boolean sigmaDelta, ChipCounters counters) {
        return new CostModel(CostConstants.loihi2()).estimate(mapping(topology, quant, sigmaDelta, null), counters);
    }
}
