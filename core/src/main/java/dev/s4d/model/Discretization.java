package dev.s4d.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the continuous diagonal system (A, B = 1) becomes a discrete one with step Δ. */
public enum Discretization {
    /** Zero-order hold: Ā = exp(ΔA), B̄ = (exp(ΔA) − 1)/A (the reference's default). */
    ZOH,
    /** Bilinear (Tustin): Ā = (1 + ΔA/2)/(1 − ΔA/2), B̄ = Δ/(1 − ΔA/2). */
    BILINEAR;

    /** The lower-case name used in JSON configs and on the command line. */
    @JsonValue
    public String id() {
        return EnumIds.id(this);
    }

    /** Parses {@link #id()} (any case), naming the accepted values when it fails. */
    @JsonCreator
    public static Discretization parse(String text) {
        return EnumIds.parse(Discretization.class, text, "discretization");
    }
}
