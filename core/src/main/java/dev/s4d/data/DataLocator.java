package dev.s4d.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Finds the files of a dataset split on disk, and downloads them into the user cache when they
 * are missing and downloading is allowed.
 *
 * <p>Each corpus lives in its own sub-directory of a data directory: {@code mnist/} and
 * {@code fashion-mnist/} hold the four IDX files ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte}, {@code t10k-labels-idx1-ubyte},
 * each raw or with {@code .gz}); {@code cifar10/} holds {@code data_batch_1.bin} …
 * {@code data_batch_5.bin} and {@code test_batch.bin}. Directories are searched in this order, and
 * the first that holds <em>all</em> files of the split wins (files of one split are never mixed
 * from two places):
 * <ol>
 *   <li>the explicit data directory (the CLI's {@code --data-dir}), if given;</li>
 *   <li>the directory named by the environment variable {@value #ENV_DATA_DIR}, if set;</li>
 *   <li>the development layout: {@code ../shared/data} relative to the working directory (the
 *       project root sits next to {@code shared/}), and {@code ../../shared/data} for a module
 *       directory such as {@code core/} (where Maven runs tests), each only if it exists;</li>
 *   <li>for Fashion-MNIST only, Debian's {@code /usr/share/datasets/fashion-mnist/} (package
 *       {@code dataset-fashion-mnist}; the files sit directly in it);</li>
 *   <li>the user cache: {@code $XDG_CACHE_HOME/s4d} if that variable holds an absolute path,
 *       else {@code ~/.cache/s4d}. Downloads go here.</li>
 * </ol>
 * When nothing is found and downloading is allowed, the official files are fetched into the cache
 * and verified (see {@link Downloader}; sources and checksums are listed on {@code RemoteSource}).
 * Otherwise a {@link DataNotFoundException} lists the files needed and the directories searched.
 */
public final class DataLocator {
    /** Environment variable naming a data directory. */
    public static final String ENV_DATA_DIR = "S4D_DATA_DIR";
    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /**
     * One directory searched for a corpus.
     *
     * @param origin    why it is searched ({@code --data-dir}, {@code S4D_DATA_DIR}, …)
     * @param directory the corpus directory itself (already including the corpus sub-directory)
     */
    public record Location(String origin, Path directory) {
        @Override
        public String toString() {
            return origin + ": " + directory;
        }
    }

    private final Path dataDir;
    private final Map<String, String> environment;
    private final Path workingDirectory;
    private final Path userHome;
    private final Path debianFashionMnist;
    private final boolean downloadAllowed;
    private final PrintStream log;
    private Downloader downloader;   // created on first download: an HttpClient starts threads, offline runs need none
    private final Map<Corpus, RemoteSource> remotes;

    private DataLocator(Builder b) {
        this.dataDir = b.dataDir == null ? null : b.dataDir.toAbsolutePath().normalize();
        this.environment = Map.copyOf(b.environment);
        this.workingDirectory = b.workingDirectory.toAbsolutePath().normalize();
        this.userHome = b.userHome.toAbsolutePath().normalize();
        this.debianFashionMnist = b.debianFashionMnist;
        this.downloadAllowed = b.downloadAllowed;
        this.log = b.log;
        this.downloader = b.downloader;
        this.remotes = new EnumMap<>(b.remotes);
    }

    /**
     * The locator the CLI uses: this process's environment, working directory and home.
     *
     * @param dataDir       explicit data directory, or {@code null}
     * @param allowDownload whether missing files may be fetched from the official sources
     */
    public static DataLocator standard(Path dataDir, boolean allowDownload) {
        return builder().dataDir(dataDir).allowDownload(allowDownload).build();
    }

    /** A builder starting from this process's environment, working directory and home, with downloading off. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether missing files may be downloaded. */
    public boolean downloadAllowed() {
        return downloadAllowed;
    }

    /** The root of the user cache ({@code $XDG_CACHE_HOME/s4d} or {@code ~/.cache/s4d}); downloads go in its corpus sub-directories. */
    public Path cacheRoot() {
        String xdg = environment.get("XDG_CACHE_HOME");
        // The XDG spec says relative values are invalid and must be ignored.
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) return Path.of(xdg).resolve("s4d").normalize();
        return userHome.resolve(".cache").resolve("s4d");
    }

    /** The directories searched for {@code corpus}, in order (development directories only if they exist). */
    public List<Location> searchPath(Corpus corpus) {
        List<Location> out = new ArrayList<>();
        String sub = corpus.directoryName();
        if (dataDir != null) out.add(new Location("--data-dir", dataDir.resolve(sub)));
        String env = environment.get(ENV_DATA_DIR);
        if (env != null && !env.isBlank()) {
            out.add(new Location(ENV_DATA_DIR, workingDirectory.resolve(env).normalize().resolve(sub)));
        }
        for (String rel : List.of("../shared/data", "../../shared/data")) {
            Path dev = workingDirectory.resolve(rel).normalize();
            if (Files.isDirectory(dev)) out.add(new Location("development layout (" + rel + ")", dev.resolve(sub)));
        }
        if (corpus == Corpus.FASHION_MNIST && debianFashionMnist != null) {
            out.add(new Location("Debian dataset-fashion-mnist", debianFashionMnist));
        }
        out.add(new Location("user cache", cacheRoot().resolve(sub)));
        return out;
    }

    /**
     * The files of a split, in {@link Corpus#fileNames} order, from the first directory holding
     * all of them, without downloading.
     */
    public Optional<List<Path>> find(Corpus corpus, Split split) {
        for (Location loc : searchPath(corpus)) {
            List<Path> files = filesIn(loc.directory(), corpus, split);
            if (files != null) return Optional.of(files);
        }
        return Optional.empty();
    }

    /**
     * The files of a split, in {@link Corpus#fileNames} order: found on disk, or downloaded into
     * the cache when allowed.
     *
     * @throws DataNotFoundException if they are not found and cannot be downloaded
     * @throws DatasetException      if a download arrives corrupt (nothing corrupt is kept)
     */
    public List<Path> locate(Corpus corpus, Split split) {
        Optional<List<Path>> found = find(corpus, split);
        if (found.isPresent()) return found.get();
        RemoteSource remote = remotes.get(corpus);
        if (!downloadAllowed || remote == null) {
            throw notFound(corpus, split, "Downloading is disabled (offline).", null);
        }
        Path target = cacheRoot().resolve(corpus.directoryName());
        try {
            download(corpus, split, remote, target);
        } catch (DatasetException e) {
            throw notFound(corpus, split, "Downloading into " + target + " failed: " + e.getMessage(), e);
        }
        List<Path> files = filesIn(target, corpus, split);
        if (files == null) {
            throw notFound(corpus, split, "The download into " + target + " did not produce all files.", null);
        }
        return files;
    }

    /** All files of the split in {@code dir}, or {@code null} if any is missing. */
    private static List<Path> filesIn(Path dir, Corpus corpus, Split split) {
        List<Path> files = new ArrayList<>();
        for (String name : corpus.fileNames(split)) {
            Path f = fileIn(dir, corpus, name);
            if (f == null) return null;
            files.add(f);
        }
        return files;
    }

    private static Path fileIn(Path dir, Corpus corpus, String name) {
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) return raw;
        if (corpus.gzipAllowed()) {
            Path gz = dir.resolve(name + ".gz");
            if (Files.isRegularFile(gz)) return gz;
        }
        return null;
    }

    private synchronized Downloader downloader() {
        if (downloader == null) downloader = Downloader.standard(log);
        return downloader;
    }

    private void download(Corpus corpus, Split split, RemoteSource remote, Path target) {
        Downloader fetcher = downloader();
        if (log != null) log.println("Downloading " + corpus.displayName() + " " + split.id() + " files from " + remote.describe() + " into " + target);
        switch (remote) {
            case RemoteSource.GzipFiles files -> {
                for (String name : corpus.fileNames(split)) {
                    if (fileIn(target, corpus, name) != null) continue;  // kept from an earlier, partly successful run
                    Downloader.Checksum checksum = files.checksums().get(name);
                    if (checksum == null) {
                        throw new DatasetException(files.base().resolve(name + ".gz").toString(),
                                "no checksum is known for this file; refusing to download it unverified");
                    }
                    fetcher.download(files.base().resolve(name + ".gz"), target.resolve(name + ".gz"), checksum);
                }
            }
            case RemoteSource.TarGzArchive archive -> {
                Path tarball = target.resolve(archive.archiveName());
                fetcher.download(archive.url(), tarball, archive.checksum());
                try {
                    extract(tarball, corpus, archive.bytesPerMember(), target);
                } finally {
                    // The archive is only a carrier; keeping it would double the disk use.
                    try {
                        Files.deleteIfExists(tarball);
                    } catch (IOException ignored) {
                        // harmless leftover
                    }
                }
            }
        }
    }

    /** Takes the corpus's files (both splits) out of a .tar.gz, each written to a temporary file and renamed when complete. */
    static void extract(Path tarball, Corpus corpus, long bytesPerMember, Path target) {
        Set<String> wanted = new HashSet<>(corpus.fileNames(Split.TRAIN));
        wanted.addAll(corpus.fileNames(Split.TEST));
        Set<String> extracted = new HashSet<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
            TarReader tar = new TarReader(in);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                String base = e.baseName();
                if (!e.isRegularFile() || !wanted.contains(base) || extracted.contains(base)) continue;
                if (bytesPerMember >= 0 && e.size() != bytesPerMember) {
                    throw new DatasetException(tarball, "member " + e.name() + " has " + e.size() + " bytes, expected "
                            + bytesPerMember + " (" + bytesPerMember / CifarRecords.RECORD_SIZE + " records)");
                }
                Path tmp = Files.createTempFile(target, base + ".", ".part");
                try {
                    try (OutputStream out = Files.newOutputStream(tmp)) {
                        tar.content().transferTo(out);
                    }
                    try {
                        Files.move(tmp, target.resolve(base), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException ex) {
                        Files.move(tmp, target.resolve(base), StandardCopyOption.REPLACE_EXISTING);
                    }
                } finally {
                    Files.deleteIfExists(tmp);
                }
                extracted.add(base);
            }
        } catch (IOException e) {
            throw new DatasetException(tarball, "could not extract: " + e.getMessage(), e);
        }
        wanted.removeAll(extracted);
        if (!wanted.isEmpty()) {
            throw new DatasetException(tarball, "archive lacks expected members " + wanted.stream().sorted().toList());
        }
    }

    private DataNotFoundException notFound(Corpus corpus, Split split, String why, Throwable cause) {
        List<String> needed = corpus.fileNames(split);
        List<Location> searched = searchPath(corpus);
        StringBuilder m = new StringBuilder();
        m.append(corpus.displayName()).append(' ').append(split.id()).append(" files not found. Needed");
        m.append(corpus.gzipAllowed() ? " (each raw or gzip-compressed with a .gz suffix):\n" : ":\n");
        for (String n : needed) m.append("  ").append(n).append('\n');
        m.append("Searched, in order:\n");
        for (Location loc : searched) {
            m.append("  ").append(loc.origin()).append(": ").append(loc.directory());
            m.append(describeState(loc.directory(), corpus, needed)).append('\n');
        }
        if (dataDir == null) m.append("  (no --data-dir given)\n");
        if (environment.get(ENV_DATA_DIR) == null || environment.get(ENV_DATA_DIR).isBlank()) {
            m.append("  (").append(ENV_DATA_DIR).append(" not set)\n");
        }
        m.append(why).append('\n');
        m.append("To provide the files, put them in DIR/").append(corpus.directoryName())
                .append("/ and pass --data-dir DIR or set ").append(ENV_DATA_DIR).append("=DIR");
        RemoteSource remote = remotes.get(corpus);
        if (remote != null) {
            if (corpus == Corpus.CIFAR10) {
                m.append(" (extract the .bin files from ").append(remote.describe()).append(')');
            } else {
                m.append(" (official files: ").append(remote.describe()).append(')');
            }
            if (!downloadAllowed) {
                m.append(", or allow downloading to fetch them into ").append(cacheRoot().resolve(corpus.directoryName()));
            }
        }
        if (corpus == Corpus.FASHION_MNIST) m.append("; on Debian: apt-get install dataset-fashion-mnist");
        m.append('.');
        return new DataNotFoundException(m.toString(), corpus, split, needed, searched, cause);
    }

    private static String describeState(Path dir, Corpus corpus, List<String> needed) {
        if (!Files.isDirectory(dir)) return " (does not exist)";
        List<String> missing = needed.stream().filter(n -> fileIn(dir, corpus, n) == null).toList();
        return " (missing " + String.join(", ", missing) + ")";
    }

    /** Configures a {@link DataLocator}; every default comes from this process. */
    public static final class Builder {
        private Path dataDir;
        private Map<String, String> environment = System.getenv();
        private Path workingDirectory = Path.of("").toAbsolutePath();
        private Path userHome = Path.of(System.getProperty("user.home"));
        private Path debianFashionMnist = DEBIAN_FASHION_MNIST;
        private boolean downloadAllowed;
        private Downloader downloader;
        private PrintStream log = System.err;
        private final Map<Corpus, RemoteSource> remotes = new EnumMap<>(RemoteSource.official());

        private Builder() {
        }

        /** Explicit data directory searched first (the CLI's {@code --data-dir}); {@code null} for none. */
        public Builder dataDir(Path dir) {
            this.dataDir = dir;
            return this;
        }

        /** Environment variables to consult ({@value #ENV_DATA_DIR}, {@code XDG_CACHE_HOME}) instead of the process's. */
        public Builder environment(Map<String, String> env) {
            this.environment = Objects.requireNonNull(env);
            return this;
        }

        /** The directory relative paths are resolved against (default: the process's working directory). */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = Objects.requireNonNull(dir);
            return this;
        }

        /** The home directory holding {@code .cache} (default: {@code user.home}). */
        public Builder userHome(Path dir) {
            this.userHome = Objects.requireNonNull(dir);
            return this;
        }

        /** Where Debian's Fashion-MNIST package lives; {@code null} not to look there. */
        public Builder debianFashionMnist(Path dir) {
            this.debianFashionMnist = dir;
            return this;
        }

        /** Whether missing files may be downloaded (default: no). */
        public Builder allowDownload(boolean allow) {
            this.downloadAllowed = allow;
            return this;
        }

        /** The downloader to use (default: {@link Downloader#standard} reporting to the log stream). */
        public Builder downloader(Downloader d) {
            this.downloader = d;
            return this;
        }

        /** Where to report downloads (default: standard error); {@code null} for silence. */
        public Builder log(PrintStream stream) {
            this.log = stream;
            return this;
        }

        /** Replaces a corpus's download source; for tests against a local server. */
        Builder remote(Corpus corpus, RemoteSource source) {
            remotes.put(corpus, source);
            return this;
        }

        public DataLocator build() {
            return new DataLocator(this);
        }
    }
}
