package dev.s4d.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * Which block surrounds each S4D layer.
 *
 * <ul>
 *   <li>{@link #REFERENCE}: the public reference model (state-spaces/s4 example.py): GELU, pointwise
 *       linear H→2H, GLU, residual add and LayerNorm (post-norm by default, pre-norm optional), so that
 *       models trained with that code import unchanged.</li>
 *   <li>{@link #LOIHI}: the variant of Meyer et al. (2024) for Loihi 2: ReLU, pointwise linear H→H,
 *       no normalisation and no residual, which keeps activations sparse and integer friendly.</li>
 * </ul>
 */
public enum BlockFlavour {
    REFERENCE, LOIHI;

    /** The lower-case name used in JSON configs and on the command line. */
    @JsonValue
    public String id() {
        return EnumIds.id(this);
    }

    /** Parses {@link #id()} (any case), naming the accepted values when it fails. */
    @JsonCreator
    public static BlockFlavour parse(String text) {
        return EnumIds.parse(BlockFlavour.class, text, "block flavour");
    }
}
