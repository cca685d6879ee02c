package dev.s4d.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal streaming reader of tar archives (POSIX ustar, plus the GNU long-name and pax
 * {@code path} extensions), just enough to take the CIFAR-10 batch files out of
 * {@code cifar-10-binary.tar.gz} without a dependency.
 *
 * <p>Each 512-byte header's checksum is verified, so a corrupt archive fails loudly instead of
 * yielding garbage entries. Sizes in GNU base-256 form (entries over 8 GiB) are rejected.
 */
final class TarReader {
    static final int BLOCK = 512;

    /** One archive member: its path inside the archive, size in bytes and ustar type flag. */
    record Entry(String name, long size, char type) {
        boolean isRegularFile() {
            return type == '0' || type == '\0' || type == '7';
        }

        /** The last path component. */
        String baseName() {
            String n = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
            return n.substring(n.lastIndexOf('/') + 1);
        }
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long remaining;   // unread bytes of the current entry
    private long padding;     // zero bytes after the current entry up to the block boundary
    private boolean finished;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** Advances to the next member, skipping what is left of the current one; {@code null} at the end. */
    Entry next() throws IOException {
        if (finished) return null;
        skipCurrent();
        String longName = null;
        while (true) {
            if (!readBlock(header)) {
                // Archives should end with two zero blocks, but a plain end of stream at a block boundary is accepted.
                finished = true;
                return null;
            }
            if (isZero(header)) {
                finished = true;
                return null;
            }
            verifyChecksum();
            char type = (char) (header[156] & 0xff);
            long size = parseSize();
            String name = longName != null ? longName : headerName();
            longName = null;
            if (type == 'L' || type == 'x') {
                // GNU long name / pax extended header: the member's data describes the next entry.
                if (size > 1 << 20) throw new IOException("tar extended header of " + size + " bytes is implausibly large");
                byte[] data = in.readNBytes((int) size);
                if (data.length != size) throw new EOFException("truncated tar archive inside an extended header");
                in.skipNBytes(pad(size));
                longName = type == 'L' ? cString(data, 0, data.length) : paxPath(data);
                continue;
            }
            if (type == 'g') {
                in.skipNBytes(size + pad(size));
                continue;
            }
            remaining = size;
            padding = pad(size);
            return new Entry(name, size, type);
        }
    }

    /** A stream over the current member's content; it ends where the member ends. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                if (remaining <= 0) return -1;
                int b = in.read();
                if (b < 0) throw new EOFException("truncated tar archive: member ends early");
                remaining--;
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (remaining <= 0) return -1;
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) throw new EOFException("truncated tar archive: member ends early");
                remaining -= n;
                return n;
            }
        };
    }

    private void skipCurrent() throws IOException {
        in.skipNBytes(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private boolean readBlock(byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, BLOCK);
        if (n == 0) return false;
        if (n != BLOCK) throw new EOFException("truncated tar archive: header block has only " + n + " of 512 bytes");
        return true;
    }

    private void verifyChecksum() throws IOException {
        long stored = parseOctal(148, 8, "checksum");
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            // The checksum field itself counts as eight spaces.
            sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
        }
        if (sum != stored) {
            throw new IOException("corrupt tar header: checksum field says " + stored + ", header bytes sum to " + sum);
        }
    }

    private long parseSize() throws IOException {
        if ((header[124] & 0x80) != 0) throw new IOException("tar member over 8 GiB (base-256 size) not supported");
        return parseOctal(124, 12, "size");
    }

    private long parseOctal(int off, int len, String field) throws IOException {
        long v = 0;
        int i = off;
        int end = off + len;
        while (i < end && header[i] == ' ') i++;
        for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
            int d = header[i] - '0';
            if (d < 0 || d > 7) throw new IOException("corrupt tar header: " + field + " field is not octal");
            v = v * 8 + d;
        }
        return v;
    }

    private String headerName() {
        String name = cString(header, 0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a' && header[261] == 'r';
        if (ustar) {
            String prefix = cString(header, 345, 155);
            if (!prefix.isEmpty()) name = prefix + "/" + name;
        }
        return name;
    }

    private static String paxPath(byte[] data) {
        // Records are "<length> <key>=<value>\n"; only path matters here.
        String text = new String(data, StandardCharsets.UTF_8);
        String path = null;
        for (String rec : text.split("\n")) {
            int space = rec.indexOf(' ');
            if (space < 0) continue;
            String kv = rec.substring(space + 1);
            if (kv.startsWith("path=")) path = kv.substring(5);
        }
        return path;
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] b) {
        for (byte x : b) if (x != 0) return false;
        return true;
    }

    private static long pad(long size) {
        return (BLOCK - size % BLOCK) % BLOCK;
    }
}
