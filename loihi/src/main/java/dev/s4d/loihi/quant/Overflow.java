package dev.s4d.loihi.quant;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.Locale;

/** What a value outside its bit width becomes; either way the event is counted. */
public enum Overflow {
    /** The nearest end of the range. */
    SATURATE,
    /** Two's complement wrap-around to the width. */
    WRAP;

    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Overflow parse(String s) {
        for (Overflow o : values()) if (o.id().equals(s)) return o;
        throw new IllegalArgumentException("overflow must be saturate or wrap, got '" + s + "'");
    }
}
