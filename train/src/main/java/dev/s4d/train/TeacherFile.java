package dev.s4d.train;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A model file a run distils from, as its checkpoint remembers it: where it was and what it held. A
 * resumed run must be taught by the same bytes, or it would not take the steps the uninterrupted run
 * takes; the path may change (a run directory copied to another machine), the content may not.
 *
 * @param path   where the file was found when the run began, as given
 * @param sha256 SHA-256 of its bytes, lower-case hex
 */
public record TeacherFile(@JsonProperty("path") String path, @JsonProperty("sha256") String sha256) {

    /** Checks that the path is given and the digest is well formed. */
    public TeacherFile {
        if (path == null || path.isEmpty()) throw new IllegalArgumentException("a teacher file needs a path");
        if (sha256 == null || !sha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("a teacher file's sha256 must be 64 lower-case hex digits, got " + sha256);
        }
    }

    /** The file at {@code file} as it is now. */
    public static TeacherFile of(Path file) throws IOException {
        return new TeacherFile(file.toString(), digest(file));
    }

    /**
     * Checks that {@code file} holds this teacher's bytes, so it may stand in for {@link #path()}.
     *
     * @throws IllegalArgumentException naming both digests if the content differs, or if the file is missing
     */
    public void requireSameContent(Path file) throws IOException {
        String now;
        try {
            now = digest(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("teacher " + file + " is missing; the run was taught by " + path
                    + " (sha256 " + sha256 + "): give its current place with --teacher");
        }
        if (!now.equals(sha256)) {
            throw new IllegalArgumentException("teacher " + file + " has sha256 " + now + ", but the run was taught by " + path
                    + " with sha256 " + sha256 + "; a resumed run needs the same teacher");
        }
    }

    private static String digest(Path file) throws IOException {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
