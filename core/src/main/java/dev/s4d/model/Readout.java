package dev.s4d.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** How the per-token outputs of the last layer become one vector for the decoder. */
public enum Readout {
    /** Mean over all tokens seen so far (the reference model's pooling). */
    MEAN,
    /** The output at the most recent token only. */
    LAST;

    /** The lower-case name used in JSON configs and on the command line. */
    @JsonValue
    public String id() {
        return EnumIds.id(this);
    }

    /** Parses {@link #id()} (any case), naming the accepted values when it fails. */
    @JsonCreator
    public static Readout parse(String text) {
        return EnumIds.parse(Readout.class, text, "readout");
    }
}
