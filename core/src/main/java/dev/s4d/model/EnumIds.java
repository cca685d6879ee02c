package dev.s4d.model;

import java.util.Arrays;
import java.util.Locale;

/** Lower-case identifiers for the config enums, shared so every enum parses and fails the same way. */
public final class EnumIds {
    private EnumIds() {
    }

    /** The constant's name in lower case. */
    public static String id(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    /** The constant of {@code type} named {@code text} in any case; otherwise an error naming {@code what} and the accepted names. */
    public static <E extends Enum<E>> E parse(Class<E> type, String text, String what) {
        for (E v : type.getEnumConstants()) {
            if (v.name().equalsIgnoreCase(text)) return v;
        }
        throw new IllegalArgumentException("unknown " + what + " '" + text + "', expected one of "
                + Arrays.stream(type.getEnumConstants()).map(EnumIds::id).toList());
    }
}
