package dev.s4d.loihi.quant;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.s4d.model.EnumIds;

/** How a right shift by k > 0 rounds (docs/LOIHI_ARITHMETIC.md, "Shifting"). */
public enum Rounding {
    /** (x + 2^(k−1)) >> k: round half up, one add and one arithmetic shift. */
    NEAREST,
    /** x >> k: the former fixed-point S4D reference's truncation toward −∞. */
    FLOOR,
    /** sign(x)·(|x| >> k): Lava's rounding of magnitudes. */
    TOWARD_ZERO;

    /** The lower-case name used in configs and on the command line. */
    @JsonValue
    public String id() {
        return EnumIds.id(this);
    }

    /** Parses {@link #id()} (any case), naming the accepted values when it fails. */
    @JsonCreator
    public static Rounding parse(String s) {
        return EnumIds.parse(Rounding.class, s, "rounding");
    }
}
