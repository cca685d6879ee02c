package dev.s4d.loihi.quant;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** How a right shift by k > 0 rounds (docs/LOIHI_ARITHMETIC.md, "Shifting"). */
public enum Rounding {
    /** (x + 2^(k−1)) >> k: round half up, one add and one arithmetic shift. */
    NEAREST,
    /** x >> k: the former fixed-point S4D reference's truncation toward −∞. */
    FLOOR,
    /** sign(x)·(|x| >> k): Lava's rounding of magnitudes. */
    TOWARD_ZERO;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Rounding parse(String s) {
        for (Rounding r : values()) if (r.id().equals(s)) return r;
        throw new IllegalArgumentException("rounding must be nearest, floor or toward_zero, got '" + s + "'");
    }
}
