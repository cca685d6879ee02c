package dev.s4d.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * How a fresh model's parameters are drawn.
 *
 * @param aInit the imaginary parts of A: S4D-Lin (π·n) or S4D-Inv ((N/π)·(N/(2n+1) − 1))
 * @param dtMin lower end of the log-uniform range of Δ
 * @param dtMax upper end of the log-uniform range of Δ
 * @param seed  seed of the random generator; equal seeds give equal models
 */
public record InitOptions(
        @JsonProperty("a_init") AInit aInit,
        @JsonProperty("dt_min") double dtMin,
        @JsonProperty("dt_max") double dtMax,
        @JsonProperty("seed") long seed) {

    public InitOptions {
        if (aInit == null) throw new IllegalArgumentException("a_init must be 'lin' or 'inv'");
        if (!(dtMin > 0 && dtMax >= dtMin && Double.isFinite(dtMax))) {
            throw new IllegalArgumentException("need 0 < dt_min <= dt_max, got dt_min=" + dtMin + " dt_max=" + dtMax);
        }
    }

    public static InitOptions defaults(long seed) {
        return new InitOptions(AInit.LIN, 0.001, 0.1, seed);
    }

    /** Initialisation of the imaginary part of A. */
    public enum AInit {
        LIN, INV;

        @JsonValue
        public String id() {
            return EnumIds.id(this);
        }

        @JsonCreator
        public static AInit parse(String text) {
            return EnumIds.parse(AInit.class, text, "A initialisation");
        }
    }
}
