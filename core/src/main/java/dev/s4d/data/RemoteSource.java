package dev.s4d.data;

import java.net.URI;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where each corpus can be downloaded from, and how to verify it.
 *
 * <p>Only checksums published by the dataset authors (or, for MNIST, measured on the official
 * files and recorded in {@code shared/data/README.md}) are used; none is made up:
 * <ul>
 *   <li>MNIST, from the torchvision mirror {@code https://ossci-datasets.s3.amazonaws.com/mnist/}
 *       (the original site is no longer reliably reachable): SHA-256 of each decompressed file.</li>
 *   <li>Fashion-MNIST, from Zalando's bucket: the MD5 of each {@code .gz} listed in the
 *       Fashion-MNIST README (and in torchvision).</li>
 *   <li>CIFAR-10 binary version, from the University of Toronto: the MD5 listed on the CIFAR
 *       page for {@code cifar-10-binary.tar.gz} (the page publishes no SHA-256, so none is used);
 *       after extraction each batch must also be exactly 10,000 records (30,730,000 bytes), and
 *       loading checks every label is 0..9.</li>
 * </ul>
 * MD5 detects corrupted or truncated downloads; it is not a defence against a deliberately
 * altered file, which would need a stronger published digest.
 */
sealed interface RemoteSource {

    /** The base address(es) for messages. */
    String describe();

    /**
     * Individually downloadable gzip IDX files: {@code base + name + ".gz"}, saved under that name.
     *
     * @param checksums expected checksum per file name (without {@code .gz})
     */
    record GzipFiles(URI base, Map<String, Downloader.Checksum> checksums) implements RemoteSource {
        @Override
        public String describe() {
            return base.toString();
        }
    }

    /**
     * One archive holding all files of the corpus.
     *
     * @param bytesPerMember the exact size each extracted member must have, or -1 to skip that check
     */
    record TarGzArchive(URI url, String archiveName, Downloader.Checksum checksum, long bytesPerMember) implements RemoteSource {
        @Override
        public String describe() {
            return url.toString();
        }
    }

    static Map<Corpus, RemoteSource> official() {
        Map<Corpus, RemoteSource> m = new EnumMap<>(Corpus.class);
        m.put(Corpus.MNIST, new GzipFiles(URI.create("https://ossci-datasets.s3.amazonaws.com/mnist/"), Map.of(
                "train-images-idx3-ubyte", Downloader.Checksum.sha256OfGunzipped("ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
                "train-labels-idx1-ubyte", Downloader.Checksum.sha256OfGunzipped("65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
                "t10k-images-idx3-ubyte", Downloader.Checksum.sha256OfGunzipped("0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
                "t10k-labels-idx1-ubyte", Downloader.Checksum.sha256OfGunzipped("ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"))));
        m.put(Corpus.FASHION_MNIST, new GzipFiles(URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"), Map.of(
                "train-images-idx3-ubyte", Downloader.Checksum.md5("8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
                "train-labels-idx1-ubyte", Downloader.Checksum.md5("25c81989df183df01b3e8a0aad5dffbe"),
                "t10k-images-idx3-ubyte", Downloader.Checksum.md5("bef4ecab320f06d8554ea6380940ec79"),
                "t10k-labels-idx1-ubyte", Downloader.Checksum.md5("bb300cfdad3c16e7a12a480ee83cd310"))));
        m.put(Corpus.CIFAR10, new TarGzArchive(URI.create("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"),
                "cifar-10-binary.tar.gz", Downloader.Checksum.md5("c32a1d4ab5d03f1284b67883e8d87530"),
                10_000L * CifarRecords.RECORD_SIZE));
        return m;
    }
}
