package org.twemproxy4j.distribution;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.twemproxy4j.core.CoreSettings;
import org.twemproxy4j.core.Instance;

/**
 * Mirrors {@code nc_get_options()}, {@code nc_show_usage()} and the option table of nc.c: nutcracker's command
 * line, read with {@link Getopt} exactly as glibc's getopt_long reads it, with nutcracker's checks, messages and
 * upstream defaults.
 *
 * <p>Checks, as nutcracker makes them (a value is a number when it is all ASCII digits; like nutcracker's
 * {@code nc_atoi} the digits are summed in 32-bit arithmetic that wraps, and a negative result is "not a
 * number", so {@code -m 4294967808} is 512):
 * <ul>
 *   <li>{@code -v}: a number; values above 11 are accepted and clamped by the logger;</li>
 *   <li>{@code -s}: a number, then 1..65535;</li>
 *   <li>{@code -i}: a number (0 allowed);</li>
 *   <li>{@code -m}: a number above 0, then 512..16777216;</li>
 *   <li>{@code -o}, {@code -c}, {@code -p}, {@code -a}: any string (checked when used).</li>
 * </ul>
 * The first bad option stops parsing with one line on standard error; the caller then prints the usage and
 * exits 1. Repeated options: the last one wins. Arguments that are not options are ignored.
 *
 * <p>twemproxy4j's own options, {@code --prometheus-port=N} (the Prometheus endpoint, off by default; N a port)
 * and {@code --prometheus-addr=S} (its address, by default the stats address {@code -a}), are taken out of the
 * command line before getopt sees it, by their exact names only (also as {@code --prometheus-port N}). Giving
 * them to getopt as long options would make prefixes ambiguous that nutcracker accepts ({@code --p} is
 * {@code --pid-file} to nutcracker), so nutcracker's own options keep getopt_long's behaviour exactly.
 *
 * <p>Not thread-safe: one instance per command line.
 */
final class NcOptions {
    static final String SHORT_OPTIONS = "hVtdDv:o:c:s:i:a:p:m:";

    static final Getopt.LongOption[] LONG_OPTIONS = {
        new Getopt.LongOption("help", Getopt.NO_ARGUMENT, 'h'),
        new Getopt.LongOption("version", Getopt.NO_ARGUMENT, 'V'),
        new Getopt.LongOption("test-conf", Getopt.NO_ARGUMENT, 't'),
        new Getopt.LongOption("daemonize", Getopt.NO_ARGUMENT, 'd'),
        new Getopt.LongOption("describe-stats", Getopt.NO_ARGUMENT, 'D'),
        new Getopt.LongOption("verbose", Getopt.REQUIRED_ARGUMENT, 'v'),
        new Getopt.LongOption("output", Getopt.REQUIRED_ARGUMENT, 'o'),
        new Getopt.LongOption("conf-file", Getopt.REQUIRED_ARGUMENT, 'c'),
        new Getopt.LongOption("stats-port", Getopt.REQUIRED_ARGUMENT, 's'),
        new Getopt.LongOption("stats-interval", Getopt.REQUIRED_ARGUMENT, 'i'),
        new Getopt.LongOption("stats-addr", Getopt.REQUIRED_ARGUMENT, 'a'),
        new Getopt.LongOption("pid-file", Getopt.REQUIRED_ARGUMENT, 'p'),
        new Getopt.LongOption("mbuf-size", Getopt.REQUIRED_ARGUMENT, 'm'),
    };

    /** twemproxy4j's option: the port of the Prometheus endpoint (not a nutcracker option). */
    static final String PROMETHEUS_PORT = "--prometheus-port";
    /** twemproxy4j's option: the address of the Prometheus endpoint (not a nutcracker option). */
    static final String PROMETHEUS_ADDR = "--prometheus-addr";

    /**
     * twemproxy4j's option: the per-client limit in bytes (default 64 MiB; 0 turns it off). A client whose
     * requests awaiting a reply plus replies not yet written pass it is not read until they fall to half
     * (backpressure); one that passes four times it while owed more than one reply is closed. See
     * {@code CoreSettings}. Taken out before getopt, as the Prometheus options.
     */
    static final String CLIENT_MAX_PENDING = "--client-max-pending";
    /** The system property that gives {@link #CLIENT_MAX_PENDING} a default when the option is not given. */
    static final String CLIENT_MAX_PENDING_PROPERTY = "twemproxy4j.clientMaxPending";

    /**
     * twemproxy4j's option: the number of workers, each a complete event loop with its own connections and
     * buffers ({@code auto}: the available processors; default 1, nutcracker's one loop). Taken out before
     * getopt, as the Prometheus options.
     */
    static final String WORKERS = "--workers";
    /** The most workers accepted. */
    static final int MAX_WORKERS = 1024;

    /** The option that hands the command line to {@link Locate} (not a nutcracker option). */
    static final String LOCATE = "--locate";

    private static final String CRLF = "\r\n";

    String[] args = new String[0]; // the command line as given (re-executed by -d)

    // what to do (nc.c's static flags)
    boolean showHelp;
    boolean showVersion;
    boolean testConf;
    boolean daemonize;
    boolean describeStats;

    // struct instance, with nc_set_default_options()'s values
    int logLevel = Instance.NC_LOG_DEFAULT;
    String logFilename; // null: stderr
    String confFilename = Instance.NC_CONF_PATH;
    int statsPort = Instance.NC_STATS_PORT;
    String statsAddr = Instance.NC_STATS_ADDR;
    int statsInterval = Instance.NC_STATS_INTERVAL;
    String pidFilename; // null: none
    int mbufChunkSize = Instance.NC_MBUF_SIZE;

    // twemproxy4j's
    int prometheusPort; // 0: no Prometheus endpoint
    String prometheusAddr; // null: the stats address
    long clientMaxPending = -1; // -1: not given (the core's default)
    int workers = 1;

    /**
     * Parses {@code args} (without the program name). Returns the options, or null after printing the one-line
     * reason to {@code err} (the caller prints the usage and exits 1).
     */
    static NcOptions parse(String[] args, PrintStream err, boolean posixlyCorrect) {
        NcOptions o = new NcOptions();
        o.args = args.clone();
        args = o.takeOwnOptions(args, err, posixlyCorrect);
        if (args == null) {
            return null;
        }
        Getopt g = new Getopt(args, SHORT_OPTIONS, LONG_OPTIONS, posixlyCorrect);
        for (;;) {
            int c = g.next();
            if (c == -1) {
                return o;
            }
            int value;
            switch (c) {
                case 'h':
                    o.showVersion = true;
                    o.showHelp = true;
                    break;
                case 'V':
                    o.showVersion = true;
                    break;
                case 't':
                    o.testConf = true;
                    break;
                case 'd':
                    o.daemonize = true;
                    break;
                case 'D':
                    o.describeStats = true;
                    o.showVersion = true;
                    break;
                case 'v':
                    value = ncAtoi(g.optarg);
                    if (value < 0) {
                        return fail(err, "nutcracker: option -v requires a number");
                    }
                    o.logLevel = value;
                    break;
                case 'o':
                    o.logFilename = g.optarg;
                    break;
                case 'c':
                    o.confFilename = g.optarg;
                    break;
                case 's':
                    value = ncAtoi(g.optarg);
                    if (value < 0) {
                        return fail(err, "nutcracker: option -s requires a number");
                    }
                    if (!validPort(value)) {
                        return fail(err, "nutcracker: option -s value " + value + " is not a valid port");
                    }
                    o.statsPort = value;
                    break;
                case 'i':
                    value = ncAtoi(g.optarg);
                    if (value < 0) {
                        return fail(err, "nutcracker: option -i requires a number");
                    }
                    o.statsInterval = value;
                    break;
                case 'a':
                    o.statsAddr = g.optarg;
                    break;
                case 'p':
                    o.pidFilename = g.optarg;
                    break;
                case 'm':
                    value = ncAtoi(g.optarg);
                    if (value <= 0) {
                        return fail(err, "nutcracker: option -m requires a non-zero number");
                    }
                    if (value < Instance.NC_MBUF_MIN_SIZE || value > Instance.NC_MBUF_MAX_SIZE) {
                        return fail(err, "nutcracker: mbuf chunk size must be between " + Instance.NC_MBUF_MIN_SIZE
                                + " and " + Instance.NC_MBUF_MAX_SIZE + " bytes");
                    }
                    o.mbufChunkSize = value;
                    break;
                case '?':
                    switch (g.optopt) {
                        case 'o':
                        case 'c':
                        case 'p':
                            return fail(err, "nutcracker: option -" + (char) g.optopt + " requires a file name");
                        case 'm':
                        case 'v':
                        case 's':
                        case 'i':
                            return fail(err, "nutcracker: option -" + (char) g.optopt + " requires a number");
                        case 'a':
                            return fail(err, "nutcracker: option -a requires a string");
                        default:
                            return invalidOption(err, g.optopt);
                    }
                default:
                    return invalidOption(err, g.optopt);
            }
        }
    }

    /**
     * Removes {@code --prometheus-port} and {@code --prometheus-addr} (with their values) from {@code args} and
     * applies them; returns the rest for getopt, or null after printing the reason. Walks the command line as
     * getopt does, so that an option's argument ({@code -o --prometheus-port}) is never taken for an option;
     * stops at {@code --} (and, POSIXLY_CORRECT, at the first non-option).
     */
    private String[] takeOwnOptions(String[] args, PrintStream err, boolean posixlyCorrect) {
        java.util.List<String> rest = new java.util.ArrayList<>(args.length);
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            }
            String own = a.startsWith(PROMETHEUS_PORT) ? PROMETHEUS_PORT
                    : a.startsWith(PROMETHEUS_ADDR) ? PROMETHEUS_ADDR
                    : a.startsWith(CLIENT_MAX_PENDING) ? CLIENT_MAX_PENDING
                    : a.startsWith(WORKERS) ? WORKERS : null;
            if (own != null && (a.length() == own.length() || a.charAt(own.length()) == '=')) {
                String value;
                if (a.length() > own.length()) {
                    value = a.substring(own.length() + 1);
                    i++;
                } else if (i + 1 < args.length) {
                    value = args[i + 1];
                    i += 2;
                } else {
                    value = null;
                    i++;
                }
                if (own.equals(WORKERS)) {
                    int n = "auto".equals(value) ? Runtime.getRuntime().availableProcessors() : ncAtoi(value);
                    if (n < 0) {
                        return failed(err, "nutcracker: option " + WORKERS + " requires a number or auto");
                    }
                    if (n < 1 || n > MAX_WORKERS) {
                        return failed(err, "nutcracker: option " + WORKERS + " value " + n
                                + " is not between 1 and " + MAX_WORKERS);
                    }
                    workers = n;
                } else if (own.equals(CLIENT_MAX_PENDING)) {
                    long n = parseBytes(value);
                    if (n < 0) {
                        return failed(err, "nutcracker: option " + CLIENT_MAX_PENDING + " requires a number");
                    }
                    clientMaxPending = n;
                } else if (own.equals(PROMETHEUS_PORT)) {
                    int n = ncAtoi(value);
                    if (n < 0) {
                        return failed(err, "nutcracker: option " + PROMETHEUS_PORT + " requires a number");
                    }
                    if (!validPort(n)) {
                        return failed(err, "nutcracker: option " + PROMETHEUS_PORT + " value " + n
                                + " is not a valid port");
                    }
                    prometheusPort = n;
                } else {
                    if (value == null || value.isEmpty()) {
                        return failed(err, "nutcracker: option " + PROMETHEUS_ADDR + " requires a string");
                    }
                    prometheusAddr = value;
                }
                continue;
            }
            rest.add(a);
            i++;
            if (a.startsWith("--") && a.indexOf('=') < 0) {
                if (takesArgument(a.substring(2)) && i < args.length) {
                    rest.add(args[i++]);
                }
            } else if (a.startsWith("-") && !a.startsWith("--") && a.length() > 1) {
                for (int k = 1; k < a.length(); k++) {
                    int at = SHORT_OPTIONS.indexOf(a.charAt(k));
                    if (at >= 0 && a.charAt(k) != ':' && at + 1 < SHORT_OPTIONS.length()
                            && SHORT_OPTIONS.charAt(at + 1) == ':') {
                        if (k == a.length() - 1 && i < args.length) {
                            rest.add(args[i++]); // "-c FILE": FILE is the option's
                        }
                        break; // "-cFILE": the rest of the word is the option's
                    }
                }
            } else if (!a.startsWith("-") || a.equals("-")) {
                if (posixlyCorrect) {
                    break; // getopt stops at the first non-option
                }
            }
        }
        while (i < args.length) {
            rest.add(args[i++]);
        }
        return rest.toArray(new String[0]);
    }

    /** True when the long option {@code name} (exact, else a unique prefix, as getopt_long) takes an argument. */
    private static boolean takesArgument(String name) {
        Getopt.LongOption found = null;
        for (Getopt.LongOption o : LONG_OPTIONS) {
            if (o.name.equals(name)) {
                return o.hasArg == Getopt.REQUIRED_ARGUMENT;
            }
        }
        for (Getopt.LongOption o : LONG_OPTIONS) {
            if (o.name.startsWith(name)) {
                if (found != null) {
                    return false; // ambiguous: getopt reports it, and takes no argument
                }
                found = o;
            }
        }
        return found != null && found.hasArg == Getopt.REQUIRED_ARGUMENT;
    }

    private static String[] failed(PrintStream err, String line) {
        err.println(line);
        err.flush();
        return null;
    }

    /** The Prometheus endpoint's address: {@code --prometheus-addr}, else the stats address. */
    String prometheusAddr() {
        return prometheusAddr != null ? prometheusAddr : statsAddr;
    }

    /**
     * {@code nutcracker: invalid option -- 'X'}, where X is the option's first byte as the C program sees it:
     * a NUL byte for an unknown or ambiguous long option (nutcracker prints optopt, which getopt leaves 0),
     * the first byte of a multi-byte character.
     */
    private static NcOptions invalidOption(PrintStream err, int optopt) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes("nutcracker: invalid option -- '".getBytes(StandardCharsets.US_ASCII));
        byte[] ch = new String(Character.toChars(optopt)).getBytes(argvCharset());
        b.write(ch.length == 0 ? 0 : ch[0]);
        b.writeBytes("'\n".getBytes(StandardCharsets.US_ASCII));
        err.write(b.toByteArray(), 0, b.size());
        err.flush();
        return null;
    }

    /** The charset the JVM decoded the command line with (so a byte printed back is the byte typed). */
    private static Charset argvCharset() {
        try {
            String enc = System.getProperty("sun.jnu.encoding");
            return enc == null ? Charset.defaultCharset() : Charset.forName(enc);
        } catch (RuntimeException e) {
            return Charset.defaultCharset();
        }
    }

    private static NcOptions fail(PrintStream err, String line) {
        err.println(line);
        err.flush();
        return null;
    }

    /**
     * Mirrors {@code _nc_atoi()}: -1 unless {@code s} is one or more ASCII digits; the value is accumulated in
     * a wrapping 32-bit int and -1 when it ends negative.
     */
    static int ncAtoi(String s) {
        if (s == null || s.isEmpty()) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value < 0 ? -1 : value;
    }

    /** A byte count: ASCII digits (at most 18), or -1. */
    static long parseBytes(String s) {
        if (s == null || s.isEmpty() || s.length() > 18) {
            return -1;
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    /** Mirrors {@code nc_valid_port()}. */
    static boolean validPort(int n) {
        return n >= 1 && n <= 65535;
    }

    /** True when {@code args} asks for {@link Locate}: a {@code --locate} argument before any {@code --}. */
    static boolean wantsLocate(String[] args) {
        for (String a : args) {
            if (a.equals("--")) {
                return false;
            }
            if (a.equals(LOCATE)) {
                return true;
            }
        }
        return false;
    }

    /** The options as the process's {@link Instance}. */
    Instance toInstance() {
        long limit = clientMaxPending >= 0 ? clientMaxPending
                : Long.getLong(CLIENT_MAX_PENDING_PROPERTY, CoreSettings.CLIENT_MAX_PENDING);
        return new Instance(confFilename, logLevel, logFilename, statsPort, statsAddr, statsInterval, pidFilename,
                mbufChunkSize).with(CoreSettings.clientMaxPending(limit).workers(workers));
    }

    /**
     * Mirrors {@code nc_show_usage()} byte for byte: nutcracker's three blocks, whose inner lines end in CRLF
     * and whose last line ends in a bare LF, with upstream's defaults (a distribution's build may print its own
     * paths there) and one line for the option twemproxy4j adds ({@code --locate}).
     */
    static String usage() {
        StringBuilder sb = new StringBuilder(1400);
        sb.append("Usage: nutcracker [-?hVdDt] [-v verbosity level] [-o output file]").append(CRLF)
                .append("                  [-c conf file] [-s stats port] [-a stats addr]").append(CRLF)
                .append("                  [-i stats interval] [-p pid file] [-m mbuf size]").append(CRLF)
                .append('\n');
        sb.append("Options:").append(CRLF)
                .append("  -h, --help             : this help").append(CRLF)
                .append("  -V, --version          : show version and exit").append(CRLF)
                .append("  -t, --test-conf        : test configuration for syntax errors and exit").append(CRLF)
                .append("  -d, --daemonize        : run as a daemon").append(CRLF)
                .append("  -D, --describe-stats   : print stats description and exit")
                .append('\n');
        sb.append("  -v, --verbose=N        : set logging level (default: ").append(Instance.NC_LOG_DEFAULT)
                .append(", min: ").append(Instance.NC_LOG_MIN).append(", max: ").append(Instance.NC_LOG_MAX)
                .append(")").append(CRLF)
                .append("  -o, --output=S         : set logging file (default: stderr)").append(CRLF)
                .append("  -c, --conf-file=S      : set configuration file (default: ").append(Instance.NC_CONF_PATH)
                .append(")").append(CRLF)
                .append("  -s, --stats-port=N     : set stats monitoring port (default: ").append(Instance.NC_STATS_PORT)
                .append(")").append(CRLF)
                .append("  -a, --stats-addr=S     : set stats monitoring ip (default: ").append(Instance.NC_STATS_ADDR)
                .append(")").append(CRLF)
                .append("  -i, --stats-interval=N : set stats aggregation interval in msec (default: ")
                .append(Instance.NC_STATS_INTERVAL).append(" msec)").append(CRLF)
                .append("  -p, --pid-file=S       : set pid file (default: off)").append(CRLF)
                .append("  -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: ")
                .append(Instance.NC_MBUF_SIZE).append(" bytes)").append(CRLF)
                .append(EXTRA_USAGE)
                .append('\n');
        return sb.toString();
    }

    /** Usage lines of the options nutcracker does not have (same layout, CRLF-terminated like their block). */
    static final String EXTRA_USAGE =
            "      --locate KEY...    : print the server each key maps to and exit (twemproxy4j;" + CRLF
            + "                           with -c FILE and --pool NAME when there are several pools)" + CRLF
            + "      --prometheus-port=N: serve Prometheus metrics on http://ADDR:N/metrics (twemproxy4j;" + CRLF
            + "                           default: off)" + CRLF
            + "      --prometheus-addr=S: set the Prometheus metrics ip (twemproxy4j; default: the stats" + CRLF
            + "                           monitoring ip)" + CRLF
            + "      --client-max-pending=N: stop reading a client holding N bytes of pending requests and" + CRLF
            + "                           replies, close it at 4N (twemproxy4j; default: 67108864, 0: off)" + CRLF
            + "      --workers=N        : run N event loops, auto: one per processor (twemproxy4j;" + CRLF
            + "                           default: 1)" + CRLF;
}
