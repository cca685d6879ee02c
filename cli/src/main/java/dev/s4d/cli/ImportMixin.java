package dev.s4d.cli;

import dev.s4d.io.ImportOptions;
import dev.s4d.model.Discretization;
import dev.s4d.model.Readout;
import picocli.CommandLine.Option;

/** Options for reading a reference PyTorch state_dict, which cannot say these things itself. */
final class ImportMixin {
    @Option(names = "--prenorm", description = "A reference PyTorch model trained with pre-norm (ignored for our own files).")
    boolean prenorm;

    @Option(names = "--readout", paramLabel = "mean|last", converter = ReadoutConverter.class,
            description = "Readout of an imported loihi-flavour state_dict (default: mean).")
    Readout readout = Readout.MEAN;

    @Option(names = "--discretization", paramLabel = "zoh|bilinear", converter = DiscretizationConverter.class,
            description = "Discretisation of an imported state_dict (default: zoh).")
    Discretization discretization = Discretization.ZOH;

    ImportOptions options() {
        return new ImportOptions(prenorm, readout, discretization);
    }

    /**
     * Picocli reports a converter's IllegalArgumentException as "cannot convert 'x' to Readout
     * (java.lang.IllegalArgumentException: ...)"; a TypeConversionException shows just our message.
     */
    private static <T> T parse(java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.TypeConversionException(e.getMessage());
        }
    }

    static final class ReadoutConverter implements picocli.CommandLine.ITypeConverter<Readout> {
        @Override
        public Readout convert(String value) {
            return parse(() -> Readout.parse(value));
        }
    }

    static final class DiscretizationConverter implements picocli.CommandLine.ITypeConverter<Discretization> {
        @Override
        public Discretization convert(String value) {
            return parse(() -> Discretization.parse(value));
        }
    }
}
