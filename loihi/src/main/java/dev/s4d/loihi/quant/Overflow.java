package dev.s4d.loihi.quant;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.s4d.model.EnumIds;

/** What a value outside its bit width becomes; either way the event is counted. */
public enum Overflow {
    /** The nearest end of the range. */
    SATURATE,
    /** Two's complement wrap-around to the width. */
    WRAP;

    /** The lower-case name used in configs and on the command line. */
    @JsonValue
    public String id() {
        return EnumIds.id(this);
    }

    /** Parses {@link #id()} (any case), naming the accepted values when it fails. */
    @JsonCreator
    public static Overflow parse(String s) {
        return EnumIds.parse(Overflow.class, s, "overflow");
    }
}
