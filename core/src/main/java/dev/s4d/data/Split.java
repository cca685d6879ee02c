package dev.s4d.data;

import dev.s4d.model.EnumIds;

/** Which official part of a dataset to load: the training set or the test set. */
public enum Split {
    TRAIN,
    TEST;

    /** Lower-case name, as used on the command line and in messages. */
    public String id() {
        return EnumIds.id(this);
    }

    /** Parses {@code train} or {@code test} (case-insensitive). */
    public static Split fromId(String id) {
        return EnumIds.parse(Split.class, id, "split");
    }
}
