package dev.s4d.data;

import java.util.Locale;

/** Which official part of a dataset to load: the training set or the test set. */
public enum Split {
    TRAIN,
    TEST;

    /** Lower-case name, as used on the command line and in messages. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code train} or {@code test} (case-insensitive). */
    public static Split fromId(String id) {
        for (Split s : values()) {
            if (s.name().equalsIgnoreCase(id)) return s;
        }
        throw new IllegalArgumentException("unknown split '" + id + "', expected train or test");
    }
}
