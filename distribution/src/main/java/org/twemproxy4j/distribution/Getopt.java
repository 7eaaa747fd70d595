package org.twemproxy4j.distribution;

import java.util.Objects;

/**
 * The parts of glibc's {@code getopt_long(3)} that nutcracker's command line depends on, so that every
 * argument vector is read as nutcracker reads it:
 * <ul>
 *   <li>short options, clustered ({@code -dt}), with a required value attached ({@code -v7}) or in the next
 *       argument ({@code -v 7}, even when that argument starts with '-');</li>
 *   <li>long options with {@code --name=value} or {@code --name value}, and any unambiguous prefix of a name
 *       ({@code --verb=3}); an exact name wins over prefixes;</li>
 *   <li>arguments that are not options are skipped and parsing goes on after them (glibc permutes them to
 *       the end), unless {@code POSIXLY_CORRECT} is set, which stops at the first one; {@code --} ends the
 *       options; a lone {@code -} is not an option.</li>
 * </ul>
 * Errors are returned as glibc returns them with {@code opterr = 0}: {@code '?'} with {@link #optopt} set to
 * the option character (unknown short option, missing value, a value given to a long option that takes none)
 * or to 0 (unknown or ambiguous long option). Nothing is printed here.
 *
 * <p>Not thread-safe: one instance per argument vector.
 */
final class Getopt {
    static final int NO_ARGUMENT = 0;
    static final int REQUIRED_ARGUMENT = 1;

    /** One {@code struct option}. */
    static final class LongOption {
        final String name;
        final int hasArg;
        final char val;

        LongOption(String name, int hasArg, char val) {
            this.name = Objects.requireNonNull(name);
            this.hasArg = hasArg;
            this.val = val;
        }
    }

    private final String[] argv; // the arguments, without the program name
    private final String optstring; // e.g. "hVtdDv:o:c:s:i:a:p:m:"
    private final LongOption[] longopts;
    private final boolean requireOrder; // POSIXLY_CORRECT: stop at the first non-option

    private int optind; // next argument to look at
    private String nextchar; // rest of the current cluster of short options, or null
    private boolean done;

    String optarg; // value of the last option returned
    int optopt; // the offending option character after '?', 0 for an unknown long option

    Getopt(String[] argv, String optstring, LongOption[] longopts, boolean posixlyCorrect) {
        this.argv = argv.clone();
        this.optstring = optstring;
        this.longopts = longopts.clone();
        this.requireOrder = posixlyCorrect;
    }

    /** The next option character, {@code '?'} on an error, or -1 when there are no more options. */
    int next() {
        optarg = null;
        if (done) {
            return -1;
        }
        if (nextchar == null || nextchar.isEmpty()) {
            while (optind < argv.length && !isOption(argv[optind])) {
                if (argv[optind].equals("--")) {
                    optind++;
                    done = true;
                    return -1;
                }
                if (requireOrder) {
                    done = true;
                    return -1;
                }
                optind++; // a non-option: skipped, as if permuted to the end
            }
            if (optind >= argv.length) {
                done = true;
                return -1;
            }
            String arg = argv[optind];
            if (arg.startsWith("--")) {
                return longOption(arg.substring(2));
            }
            nextchar = arg.substring(1);
        }
        return shortOption();
    }

    /** True for {@code -x...} and {@code --x...}; false for a lone {@code -} and for {@code --}. */
    private static boolean isOption(String arg) {
        return arg.length() > 1 && arg.charAt(0) == '-' && !arg.equals("--");
    }

    private int shortOption() {
        int c = nextchar.codePointAt(0);
        nextchar = nextchar.substring(Character.charCount(c));
        if (nextchar.isEmpty()) {
            optind++;
        }
        int at = c == ':' || c == ';' ? -1 : optstring.indexOf(c);
        if (at < 0) {
            optopt = c;
            nextchar = null;
            return '?';
        }
        boolean takesValue = at + 1 < optstring.length() && optstring.charAt(at + 1) == ':';
        if (takesValue) {
            if (!nextchar.isEmpty()) {
                optarg = nextchar; // -v7
                optind++;
            } else if (optind >= argv.length) {
                optopt = c; // -v at the end
                nextchar = null;
                return '?';
            } else {
                optarg = argv[optind++]; // -v 7
            }
            nextchar = null;
        }
        return c;
    }

    private int longOption(String spec) {
        optind++;
        nextchar = null;
        int eq = spec.indexOf('=');
        String name = eq < 0 ? spec : spec.substring(0, eq);
        LongOption found = null;
        for (LongOption o : longopts) {
            if (o.name.equals(name)) {
                found = o;
                break;
            }
        }
        if (found == null) {
            for (LongOption o : longopts) {
                if (o.name.startsWith(name)) {
                    if (found != null) {
                        optopt = 0; // ambiguous
                        return '?';
                    }
                    found = o;
                }
            }
        }
        if (found == null) {
            optopt = 0; // unrecognized
            return '?';
        }
        if (eq >= 0) {
            if (found.hasArg == NO_ARGUMENT) {
                optopt = found.val; // --help=x
                return '?';
            }
            optarg = spec.substring(eq + 1);
        } else if (found.hasArg == REQUIRED_ARGUMENT) {
            if (optind >= argv.length) {
                optopt = found.val; // --verbose at the end
                return '?';
            }
            optarg = argv[optind++];
        }
        return found.val;
    }
}
