package org.twemproxy4j.distribution;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.twemproxy4j.core.Instance;

/** nc_get_options(): every option, its default, its checks and nutcracker's messages. */
class NcOptionsTest {
    /** `nutcracker -h` of Debian's build (its own default paths), captured from the binary. */
    static final String DEBIAN_HELP =
            "This is nutcracker-0.5.0\n"
            + "async event backend: epoll\n"
            + "\n"
            + "Usage: nutcracker [-?hVdDt] [-v verbosity level] [-o output file]\r\n"
            + "                  [-c conf file] [-s stats port] [-a stats addr]\r\n"
            + "                  [-i stats interval] [-p pid file] [-m mbuf size]\r\n"
            + "\n"
            + "Options:\r\n"
            + "  -h, --help             : this help\r\n"
            + "  -V, --version          : show version and exit\r\n"
            + "  -t, --test-conf        : test configuration for syntax errors and exit\r\n"
            + "  -d, --daemonize        : run as a daemon\r\n"
            + "  -D, --describe-stats   : print stats description and exit\n"
            + "  -v, --verbose=N        : set logging level (default: 5, min: 0, max: 11)\r\n"
            + "  -o, --output=S         : set logging file (default: /var/log/nutcracker/nutcracker.log)\r\n"
            + "  -c, --conf-file=S      : set configuration file (default: /etc/nutcracker/nutcracker.yml)\r\n"
            + "  -s, --stats-port=N     : set stats monitoring port (default: 22222)\r\n"
            + "  -a, --stats-addr=S     : set stats monitoring ip (default: 0.0.0.0)\r\n"
            + "  -i, --stats-interval=N : set stats aggregation interval in msec (default: 30000 msec)\r\n"
            + "  -p, --pid-file=S       : set pid file (default: /run/nutcracker/nutcracker.pid)\r\n"
            + "  -m, --mbuf-size=N      : set size of mbuf chunk in bytes (default: 16384 bytes)\r\n"
            + "\n";

    /** Debian's -h turned into what upstream prints, plus our extra option lines: what our -h must be. */
    static String expectedHelp(String debianHelp) {
        String s = debianHelp.replace("(default: /var/log/nutcracker/nutcracker.log)", "(default: stderr)")
                .replace("(default: /etc/nutcracker/nutcracker.yml)", "(default: conf/nutcracker.yml)")
                .replace("(default: /run/nutcracker/nutcracker.pid)", "(default: off)");
        String last = "(default: 16384 bytes)\r\n";
        int at = s.indexOf(last) + last.length();
        return s.substring(0, at) + NcOptions.EXTRA_USAGE + s.substring(at);
    }

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8);

    private NcOptions ok(String... args) {
        captured.reset();
        NcOptions o = NcOptions.parse(args, err, false);
        assertNotNull(o, () -> "refused: " + captured.toString(StandardCharsets.UTF_8));
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
        return o;
    }

    private String refused(String... args) {
        captured.reset();
        assertNull(NcOptions.parse(args, err, false));
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void upstreamDefaults() {
        NcOptions o = ok();
        assertFalse(o.showHelp || o.showVersion || o.testConf || o.daemonize || o.describeStats);
        Instance i = o.toInstance();
        assertEquals("conf/nutcracker.yml", i.confFilename);
        assertEquals(5, i.logLevel);
        assertNull(i.logFilename);
        assertEquals(22222, i.statsPort);
        assertEquals("0.0.0.0", i.statsAddr);
        assertEquals(30000, i.statsInterval);
        assertNull(i.pidFilename);
        assertEquals(16384, i.mbufChunkSize);
    }

    @Test
    void everyOptionShortAndLong() {
        Instance s = ok("-v", "7", "-o", "x.log", "-c", "a.yml", "-s", "2000", "-a", "127.0.0.1", "-i", "100",
                "-p", "x.pid", "-m", "1024").toInstance();
        Instance l = ok("--verbose=7", "--output=x.log", "--conf-file=a.yml", "--stats-port=2000",
                "--stats-addr=127.0.0.1", "--stats-interval=100", "--pid-file=x.pid", "--mbuf-size=1024").toInstance();
        for (Instance i : new Instance[] {s, l}) {
            assertEquals(7, i.logLevel);
            assertEquals("x.log", i.logFilename);
            assertEquals("a.yml", i.confFilename);
            assertEquals(2000, i.statsPort);
            assertEquals("127.0.0.1", i.statsAddr);
            assertEquals(100, i.statsInterval);
            assertEquals("x.pid", i.pidFilename);
            assertEquals(1024, i.mbufChunkSize);
        }
    }

    @Test
    void flags() {
        NcOptions h = ok("-h");
        assertTrue(h.showHelp && h.showVersion);
        NcOptions v = ok("--version");
        assertTrue(v.showVersion && !v.showHelp);
        NcOptions d = ok("-D");
        assertTrue(d.describeStats && d.showVersion);
        NcOptions t = ok("-dt");
        assertTrue(t.daemonize && t.testConf);
        assertTrue(ok("--test-conf").testConf);
        assertTrue(ok("--daemonize").daemonize);
    }

    @Test
    void lastOneWinsAndNonOptionsAreIgnored() {
        NcOptions o = ok("-v", "1", "extra", "-v2", "-c", "a", "-c", "b");
        assertEquals(2, o.logLevel);
        assertEquals("b", o.confFilename);
        assertArrayEquals(new String[] {"-v", "1", "extra", "-v2", "-c", "a", "-c", "b"}, o.args);
    }

    @Test
    void verbosity() {
        assertEquals(0, ok("-v0").logLevel);
        assertEquals(11, ok("-v", "11").logLevel);
        assertEquals(12, ok("-v", "12").logLevel, "accepted; the logger clamps it");
        assertEquals(7, ok("-v", "007").logLevel);
        for (String bad : new String[] {"-1", "x", "", " 5", "+5", "5 ", "1e3", "2147483648", "3000000000"}) {
            assertEquals("nutcracker: option -v requires a number\n", refused("-v", bad), bad);
        }
        assertEquals("nutcracker: option -v requires a number\n", refused("-v"));
        assertEquals("nutcracker: option -v requires a number\n", refused("--verbose"));
    }

    @Test
    void statsPort() {
        assertEquals(1, ok("-s", "1").statsPort);
        assertEquals(65535, ok("-s65535").statsPort);
        assertEquals(1, ok("-s", "4294967297").statsPort, "wraps in 32 bits as nc_atoi does");
        assertEquals("nutcracker: option -s value 0 is not a valid port\n", refused("-s", "0"));
        assertEquals("nutcracker: option -s value 65536 is not a valid port\n", refused("-s", "65536"));
        assertEquals("nutcracker: option -s requires a number\n", refused("-s", "x"));
        assertEquals("nutcracker: option -s requires a number\n", refused("-s", "-1"));
        assertEquals("nutcracker: option -s requires a number\n", refused("-s"));
    }

    @Test
    void statsInterval() {
        assertEquals(0, ok("-i", "0").statsInterval);
        assertEquals(2147483647, ok("-i", "2147483647").statsInterval);
        assertEquals("nutcracker: option -i requires a number\n", refused("-i", "1.5"));
        assertEquals("nutcracker: option -i requires a number\n", refused("--stats-interval"));
    }

    @Test
    void mbufSize() {
        assertEquals(512, ok("-m", "512").mbufChunkSize);
        assertEquals(16777216, ok("-m", "16777216").mbufChunkSize);
        assertEquals(512, ok("-m", "4294967808").mbufChunkSize, "wraps in 32 bits as nc_atoi does");
        String range = "nutcracker: mbuf chunk size must be between 512 and 16777216 bytes\n";
        assertEquals(range, refused("-m", "511"));
        assertEquals(range, refused("-m", "16777217"));
        assertEquals("nutcracker: option -m requires a non-zero number\n", refused("-m", "0"));
        assertEquals("nutcracker: option -m requires a non-zero number\n", refused("-m", "abc"));
        assertEquals("nutcracker: option -m requires a number\n", refused("-m"));
    }

    @Test
    void stringOptionsWithoutValue() {
        assertEquals("nutcracker: option -o requires a file name\n", refused("-o"));
        assertEquals("nutcracker: option -c requires a file name\n", refused("--conf-file"));
        assertEquals("nutcracker: option -p requires a file name\n", refused("-p"));
        assertEquals("nutcracker: option -a requires a string\n", refused("-a"));
        assertEquals("", ok("-a", "").statsAddr, "any string, checked when used");
    }

    @Test
    void invalidOptions() {
        assertEquals("nutcracker: invalid option -- 'x'\n", refused("-x"));
        assertEquals("nutcracker: invalid option -- '?'\n", refused("-?"));
        assertEquals("nutcracker: invalid option -- 'h'\n", refused("--help=1"));
        assertEquals("nutcracker: invalid option -- '\0'\n", refused("--bogus"), "optopt is 0: a NUL byte");
        assertEquals("nutcracker: invalid option -- '\0'\n", refused("--ver"), "ambiguous");
        assertEquals("nutcracker: invalid option -- 'x'\n", refused("-V", "-x"), "checked even with -V");
        assertEquals("nutcracker: mbuf chunk size must be between 512 and 16777216 bytes\n",
                refused("-m", "1", "-x"), "the first error wins");
    }

    @Test
    void posixlyCorrect() {
        NcOptions o = NcOptions.parse(new String[] {"foo", "-x"}, err, true);
        assertNotNull(o);
        assertNull(NcOptions.parse(new String[] {"foo", "-x"}, err, false));
    }

    @Test
    void ncAtoi() {
        assertEquals(0, NcOptions.ncAtoi("0"));
        assertEquals(123, NcOptions.ncAtoi("123"));
        assertEquals(-1, NcOptions.ncAtoi(""));
        assertEquals(-1, NcOptions.ncAtoi(null));
        assertEquals(-1, NcOptions.ncAtoi("-5"));
        assertEquals(-1, NcOptions.ncAtoi("\u0663")); // ARABIC-INDIC DIGIT THREE is not an ASCII digit
        assertEquals(2147483647, NcOptions.ncAtoi("2147483647"));
        assertEquals(-1, NcOptions.ncAtoi("2147483648"));
        assertEquals(5, NcOptions.ncAtoi("4294967301"));
    }

    @Test
    void validPort() {
        assertFalse(NcOptions.validPort(0));
        assertTrue(NcOptions.validPort(1));
        assertTrue(NcOptions.validPort(65535));
        assertFalse(NcOptions.validPort(65536));
    }

    @Test
    void usageIsNutcrackersWithUpstreamDefaultsAndOurExtraLines() {
        String debianUsage = DEBIAN_HELP.substring(DEBIAN_HELP.indexOf("Usage:"));
        assertEquals(expectedHelp(debianUsage), NcOptions.usage());
        assertTrue(NcOptions.usage().endsWith("bytes)\r\n" + NcOptions.EXTRA_USAGE + "\n"));
        assertTrue(NcOptions.usage().contains("print stats description and exit\n  -v"), "a bare LF, as in C");
    }

    @Test
    void locateIsDetectedBeforeDoubleDash() {
        assertTrue(NcOptions.wantsLocate(new String[] {"--locate", "k"}));
        assertTrue(NcOptions.wantsLocate(new String[] {"-c", "x.yml", "--locate", "k"}));
        assertFalse(NcOptions.wantsLocate(new String[] {"--", "--locate"}));
        assertFalse(NcOptions.wantsLocate(new String[] {"--locat"}));
        assertFalse(NcOptions.wantsLocate(new String[] {}));
    }

    @Test
    void prometheusIsOffByDefaultAndFollowsTheStatsAddress() {
        NcOptions o = ok();
        assertEquals(0, o.prometheusPort);
        assertEquals("0.0.0.0", o.prometheusAddr());
        NcOptions a = ok("-a", "127.0.0.1", "--prometheus-port=9100");
        assertEquals(9100, a.prometheusPort);
        assertEquals("127.0.0.1", a.prometheusAddr());
        NcOptions b = ok("--prometheus-port", "9101", "--prometheus-addr", "127.0.0.2", "-s", "2000");
        assertEquals(9101, b.prometheusPort);
        assertEquals("127.0.0.2", b.prometheusAddr());
        assertEquals(2000, b.statsPort);
        NcOptions c = ok("--prometheus-addr=::1", "-c", "x.yml");
        assertEquals(0, c.prometheusPort);
        assertEquals("::1", c.prometheusAddr());
        assertEquals("x.yml", c.confFilename);
        assertArrayEquals(new String[] {"--prometheus-addr=::1", "-c", "x.yml"}, c.args, "kept for -d");
    }

    @Test
    void clientMaxPendingIsABytesCountTakenOutBeforeGetopt() {
        assertEquals(-1, ok().clientMaxPending, "not given: the core's default");
        assertEquals(1048576, ok("--client-max-pending=1048576", "-s", "2000").clientMaxPending);
        assertEquals(0, ok("--client-max-pending", "0").clientMaxPending, "0 turns the limit off");
        assertEquals("--client-max-pending", ok("-c", "--client-max-pending").confFilename);
        assertEquals("nutcracker: option --client-max-pending requires a number\n",
                refused("--client-max-pending=64M"));
        assertEquals("nutcracker: option --client-max-pending requires a number\n", refused("--client-max-pending"));
    }

    @Test
    void workersIsACountOrAutoTakenOutBeforeGetopt() {
        assertEquals(1, ok().workers, "not given: one loop, as nutcracker");
        assertEquals(1, ok().toInstance().settings.workers());
        assertEquals(4, ok("--workers=4", "-s", "2000").workers);
        assertEquals(4, ok("--workers=4").toInstance().settings.workers());
        assertEquals(2, ok("--workers", "2").workers);
        assertEquals(Runtime.getRuntime().availableProcessors(), ok("--workers=auto").workers);
        assertEquals("--workers", ok("-c", "--workers").confFilename);
        assertEquals("nutcracker: option --workers requires a number or auto\n", refused("--workers=x"));
        assertEquals("nutcracker: option --workers requires a number or auto\n", refused("--workers"));
        assertEquals("nutcracker: option --workers value 0 is not between 1 and 1024\n", refused("--workers=0"));
    }

    @Test
    void prometheusOptionsAreCheckedLikeNutcrackersPort() {
        assertEquals("nutcracker: option --prometheus-port requires a number\n", refused("--prometheus-port=x"));
        assertEquals("nutcracker: option --prometheus-port requires a number\n", refused("--prometheus-port"));
        assertEquals("nutcracker: option --prometheus-port value 0 is not a valid port\n",
                refused("--prometheus-port=0"));
        assertEquals("nutcracker: option --prometheus-port value 65536 is not a valid port\n",
                refused("--prometheus-port", "65536"));
        assertEquals("nutcracker: option --prometheus-addr requires a string\n", refused("--prometheus-addr"));
    }

    @Test
    void prometheusOptionsLeaveNutcrackersGetoptAlone() {
        // an option's argument is not taken for our option
        assertEquals("--prometheus-port", ok("-c", "--prometheus-port").confFilename);
        assertEquals("--prometheus-port", ok("-dc", "--prometheus-port").confFilename);
        assertEquals(9100, ok("-oc", "--prometheus-port=9100").prometheusPort, "-oc: c is -o's value");
        assertEquals("--prometheus-port", ok("--conf-file", "--prometheus-port").confFilename);
        assertEquals("--prometheus-port", ok("--conf", "--prometheus-port").confFilename);
        assertEquals(0, ok("-c", "--prometheus-port", "-s", "2000").prometheusPort);
        // nutcracker's abbreviations stay unique: --p is --pid-file, --s is ambiguous as before
        assertEquals("x.pid", ok("--p", "x.pid").pidFilename);
        assertEquals("x.pid", ok("--pi=x.pid").pidFilename);
        assertEquals("nutcracker: invalid option -- '\0'\n", refused("--s", "1"));
        // only the exact names are ours; a prefix of them is getopt's (and unknown to it)
        assertEquals("nutcracker: invalid option -- '\0'\n", refused("--prometheus=1"));
        assertEquals("nutcracker: invalid option -- '\0'\n", refused("--prometheus-portx=1"));
        // after --, nothing is an option
        assertEquals(0, ok("--", "--prometheus-port=9100").prometheusPort);
    }

    @Test
    void usageDocumentsThePrometheusOptions() {
        assertTrue(NcOptions.usage().contains("--prometheus-port=N"));
        assertTrue(NcOptions.usage().contains("--prometheus-addr=S"));
        assertTrue(NcOptions.EXTRA_USAGE.endsWith("\r\n"));
    }
}
