package dev.s4d.loihi.cost;

/**
 * The per-core and per-chip capacities the mapper must respect. {@link #loihi2()} holds the Loihi 2
 * figures of REFERENCE.md §3: 128 neurocores per chip, at most 8,192 neurons per core, 192 KB of SRAM
 * per core of which 128 KB hold synapses (second-hand). The neuron memory is not published on its
 * own: {@code loihi2()} takes it as the rest of the SRAM, 64 KB (derived, and an upper bound, since
 * the core also keeps routing tables and microcode in that SRAM).
 *
 * @param coresPerChip         neurocores on one chip
 * @param neuronsPerCore       most neurons one core can hold
 * @param synapticBytesPerCore bytes of synaptic memory per core
 * @param neuronBytesPerCore   bytes of neuron state and parameter memory per core
 */
public record ChipLimits(int coresPerChip, int neuronsPerCore, int synapticBytesPerCore, int neuronBytesPerCore) {

    /** SRAM per Loihi 2 neurocore (REFERENCE.md §3, second-hand). */
    public static final int SRAM_BYTES_PER_CORE = 192 * 1024;
    /** The share of that SRAM for synapses (REFERENCE.md §3, second-hand). */
    public static final int SYNAPTIC_BYTES_PER_CORE = 128 * 1024;

    public ChipLimits {
        requirePositive("cores per chip", coresPerChip);
        requirePositive("neurons per core", neuronsPerCore);
        requirePositive("synaptic bytes per core", synapticBytesPerCore);
        requirePositive("neuron bytes per core", neuronBytesPerCore);
    }

    private static void requirePositive(String name, int v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }

    /** Loihi 2: 128 cores, 8,192 neurons and 128 KB synaptic + 64 KB neuron memory (derived) per core. */
    public static ChipLimits loihi2() {
        return new ChipLimits(128, 8192, SYNAPTIC_BYTES_PER_CORE, SRAM_BYTES_PER_CORE - SYNAPTIC_BYTES_PER_CORE);
    }
}
