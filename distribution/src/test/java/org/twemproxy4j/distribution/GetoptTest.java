package org.twemproxy4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** getopt_long's reading of argument vectors, as glibc does it for nutcracker's option table. */
class GetoptTest {

    /** Every option returned, as "c", "c=value", or "?optopt", until -1. */
    private static List<String> read(boolean posixlyCorrect, String... args) {
        Getopt g = new Getopt(args, NcOptions.SHORT_OPTIONS, NcOptions.LONG_OPTIONS, posixlyCorrect);
        List<String> got = new ArrayList<>();
        for (int c; (c = g.next()) != -1; ) {
            if (c == '?') {
                got.add("?" + (g.optopt == 0 ? "0" : new String(Character.toChars(g.optopt))));
                break; // nutcracker stops at the first error
            }
            got.add(g.optarg == null ? String.valueOf((char) c) : (char) c + "=" + g.optarg);
        }
        return got;
    }

    private static List<String> read(String... args) {
        return read(false, args);
    }

    @Test
    void clustersAndValues() {
        assertEquals(List.of("d", "t"), read("-dt"));
        assertEquals(List.of("v=7"), read("-v7"));
        assertEquals(List.of("v=7"), read("-v", "7"));
        assertEquals(List.of("d", "v=7"), read("-dv7"));
        assertEquals(List.of("d", "v=7", "t"), read("-dv", "7", "-t"));
        assertEquals(List.of("v=-1"), read("-v", "-1"), "a value may start with '-'");
        assertEquals(List.of("c=--help"), read("-c", "--help"));
        assertEquals(List.of("v="), read("-v", ""), "an empty argument is a value");
    }

    @Test
    void longOptions() {
        assertEquals(List.of("v=7"), read("--verbose=7"));
        assertEquals(List.of("v=7"), read("--verbose", "7"));
        assertEquals(List.of("v="), read("--verbose="));
        assertEquals(List.of("h"), read("--help"));
        assertEquals(List.of("D"), read("--describe-stats"));
        assertEquals(List.of("c=a=b"), read("--conf-file=a=b"));
    }

    @Test
    void unambiguousPrefixes() {
        assertEquals(List.of("v=3"), read("--verb=3"));
        assertEquals(List.of("V"), read("--vers"));
        assertEquals(List.of("h"), read("--h"));
        assertEquals(List.of("D"), read("--de"));
        assertEquals(List.of("s=1"), read("--stats-p", "1"));
        assertEquals(List.of("i=1"), read("--stats-i=1"));
        assertEquals(List.of("m=512"), read("--m=512"));
    }

    @Test
    void ambiguousAndUnknownLongOptionsLeaveOptoptZero() {
        assertEquals(List.of("?0"), read("--ver"));
        assertEquals(List.of("?0"), read("--v"));
        assertEquals(List.of("?0"), read("--d"));
        assertEquals(List.of("?0"), read("--stats=1"));
        assertEquals(List.of("?0"), read("--bogus"));
        assertEquals(List.of("?0"), read("--locate"));
        assertEquals(List.of("?0"), read("--=x"), "an empty name is a prefix of every option");
    }

    @Test
    void valueGivenToAnOptionThatTakesNone() {
        assertEquals(List.of("?h"), read("--help=3"));
        assertEquals(List.of("?d"), read("--daemonize=yes"));
    }

    @Test
    void missingValues() {
        assertEquals(List.of("?v"), read("-v"));
        assertEquals(List.of("d", "?v"), read("-dv"));
        assertEquals(List.of("?m"), read("--mbuf-size"));
        assertEquals(List.of("?a"), read("--stats-a"));
    }

    @Test
    void unknownShortOptions() {
        assertEquals(List.of("?x"), read("-x"));
        assertEquals(List.of("??"), read("-?"));
        assertEquals(List.of("?:"), read("-:"));
        assertEquals(List.of("d", "?x"), read("-dxt"));
        assertEquals(List.of("?é"), read("-é"));
    }

    @Test
    void nonOptionsAreSkippedAndDoubleDashEnds() {
        assertEquals(List.of("V"), read("foo", "-V", "bar"));
        assertEquals(List.of(), read("-"), "a lone dash is not an option");
        assertEquals(List.of("d"), read("-d", "--", "-x"));
        assertEquals(List.of(), read("--", "-x"));
        assertEquals(List.of("V", "t"), read("-V", "x", "-", "-t"));
    }

    @Test
    void posixlyCorrectStopsAtTheFirstNonOption() {
        assertEquals(List.of(), read(true, "foo", "-x"));
        assertEquals(List.of("d"), read(true, "-d", "foo", "-x"));
        assertEquals(List.of("c=foo", "t"), read(true, "-c", "foo", "-t"));
    }
}
