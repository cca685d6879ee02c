package dev.s4d.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Replaces a file in one step, so readers (and a run killed mid-write) see either the old content or
 * the new one, never a mixture: model files, checkpoints, metrics and plots are all written this way.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** {@link #write(Path, ByteBuffer)} for a byte array. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, ByteBuffer.wrap(content));
    }

    /**
     * Writes to a fresh sibling, flushes it to disk, renames it over the target, then flushes the
     * directory so the rename itself survives a crash. On failure the previous file (if any) is
     * untouched and no temporary file is left behind.
     */
    public static void write(Path target, ByteBuffer content) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        // Opened with CREATE_NEW rather than Files.createTempFile, which would make the file private (0600)
        // on POSIX, so the saved file would not get the permissions a normally written file gets.
        Path tmp = null;
        FileChannel ch = null;
        for (int attempt = 0; ch == null; attempt++) {
            Path candidate = dir.resolve("." + absolute.getFileName() + "."
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                tmp = candidate;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) throw e;
            }
        }
        boolean moved = false;
        try {
            try (FileChannel out = ch) {
                while (content.hasRemaining()) out.write(content);
                out.force(true);
            }
            Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException suppressed) {
                    // The original failure matters more; a stray hidden temp file is the lesser harm.
                }
            }
        }
        syncDirectory(dir);
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Some platforms (Windows) cannot open a directory; the rename is still atomic there,
            // only its durability after a power cut is up to the file system.
        }
    }
}
