package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.twemproxy4j.distribution.Nutcracker;
import org.twemproxy4j.it.fixture.Await;
import org.twemproxy4j.it.fixture.NutcrackerProcess;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.Twemproxy4jProcess;

/**
 * The launcher as a process, against the real nutcracker 0.5.0 where they should agree: {@code -V} and
 * {@code -D} byte for byte; {@code -h} byte for byte once Debian's default paths are put back to upstream's and
 * our {@code --locate} lines added; every command-line error's message, usage and exit status; {@code -t}'s
 * verdict lines and status (we add the reason before them). Then what nutcracker does not do or does worse:
 * SIGTERM/SIGINT stop cleanly and remove the pid file; {@code -d} returns once the daemon is up, and fails when
 * the daemon cannot start; a failed start is one line; SIGHUP reopens the log, SIGTTIN raises the level.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LauncherIT {
    /** The lines our -h adds after nutcracker's -m line. */
    private static final String EXTRA_USAGE =
            "      --locate KEY...    : print the server each key maps to and exit (twemproxy4j;\r\n"
            + "                           with -c FILE and --pool NAME when there are several pools)\r\n"
            + "      --prometheus-port=N: serve Prometheus metrics on http://ADDR:N/metrics (twemproxy4j;\r\n"
            + "                           default: off)\r\n"
            + "      --prometheus-addr=S: set the Prometheus metrics ip (twemproxy4j; default: the stats\r\n"
            + "                           monitoring ip)\r\n"
            + "      --client-max-pending=N: stop reading a client holding N bytes of pending requests and\r\n"
            + "                           replies, close it at 4N (twemproxy4j; default: 67108864, 0: off)\r\n"
            + "      --workers=N        : run N event loops, auto: one per processor (twemproxy4j;\r\n"
            + "                           default: 1)\r\n";

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private final List<Long> daemons = new ArrayList<>();

    @AfterEach
    void killEverything() {
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (long pid : daemons) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** What a finished process printed. */
    record Result(int status, byte[] out, byte[] err) {
        String errText() {
            return new String(err, StandardCharsets.UTF_8);
        }
    }

    private static List<String> ours(String... args) {
        List<String> cmd = new ArrayList<>(Twemproxy4jProcess.javaCommand());
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    private static List<String> nutcracker(String... args) {
        List<String> cmd = new ArrayList<>(List.of(NutcrackerProcess.binaryPath()));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Runs {@code cmd} to its end (at most 60 s), stdin from /dev/null. */
    private Result exec(List<String> cmd) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        started.add(p);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "did not finish: " + cmd);
        return new Result(p.exitValue(), Files.readAllBytes(out), Files.readAllBytes(err));
    }

    /** Starts {@code cmd} in the background with its output in {@code log}. */
    private Process start(List<String> cmd, Path log) throws IOException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        started.add(p);
        return p;
    }

    /** Debian's nutcracker -h, turned into upstream's with our extra lines: what ours must print. */
    private static String upstreamHelp(String debian) {
        String s = debian.replace("(default: /var/log/nutcracker/nutcracker.log)", "(default: stderr)")
                .replace("(default: /etc/nutcracker/nutcracker.yml)", "(default: conf/nutcracker.yml)")
                .replace("(default: /run/nutcracker/nutcracker.pid)", "(default: off)");
        String last = "(default: 16384 bytes)\r\n";
        int at = s.indexOf(last);
        return at < 0 ? s : s.substring(0, at + last.length()) + EXTRA_USAGE + s.substring(at + last.length());
    }

    private String yaml(int listenPort) {
        return "alpha:\n  listen: 127.0.0.1:" + listenPort + "\n  redis: true\n  servers:\n   - 127.0.0.1:"
                + Ports.free() + ":1\n";
    }

    private Path conf(String name, String yaml) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, yaml);
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"-V", "-D"})
    void versionAndDescribeAreNutcrackersBytes(String option) throws Exception {
        Result nc = exec(nutcracker(option));
        Result us = exec(ours(option));
        assertEquals(0, nc.status());
        assertEquals(0, us.status(), us.errText());
        assertArrayEquals(nc.err(), us.err(), () -> "nutcracker:\n" + nc.errText() + "\nours:\n" + us.errText());
        assertEquals(0, us.out().length, "nothing on stdout, as nutcracker");
        assertTrue(us.errText().startsWith("This is nutcracker-0.5.0\n"));
    }

    @Test
    void helpIsNutcrackersWithUpstreamDefaults() throws Exception {
        Result nc = exec(nutcracker("-h"));
        Result us = exec(ours("-h"));
        assertEquals(0, us.status());
        assertEquals(upstreamHelp(nc.errText()), us.errText());
        assertTrue(us.errText().contains("(default: conf/nutcracker.yml)\r\n"), "CRLF line ends, as nutcracker's");
        assertEquals(0, us.out().length);
    }

    /** Command lines that end before running: every error, and good values followed by -V. */
    static Stream<List<String>> commandLines() {
        return Stream.of(
                List.of("-v"), List.of("-vx"), List.of("-v", "-1"), List.of("-v", "2147483648"),
                List.of("-v", "3000000000"), List.of("--verbose"), List.of("--verbose="), List.of("--ver"),
                List.of("--v"), List.of("--bogus"), List.of("--help=3"), List.of("--daemonize=1"), List.of("-x"),
                List.of("-?"), List.of("-:"), List.of("-dx"), List.of("-x", "-V"), List.of("-V", "-x"),
                List.of("-m", "511"), List.of("-m", "16777217"), List.of("-m", "0"), List.of("-m", "abc"),
                List.of("-m"), List.of("--mbuf-size"), List.of("-s", "0"), List.of("-s", "65536"),
                List.of("-s", "x"), List.of("-s"), List.of("-i", "x"), List.of("-i", "-1"), List.of("-i"),
                List.of("-a"), List.of("-o"), List.of("-c"), List.of("-p"), List.of("--stats"),
                List.of("-m", "5", "-x"),
                List.of("-v7", "-V"), List.of("--verbose", "7", "-V"), List.of("--verb=3", "-V"),
                List.of("-v", "12", "-V"), List.of("-m", "4294967808", "-V"), List.of("-s", "4294967297", "-V"),
                List.of("-i", "0", "-V"), List.of("-dV"), List.of("-Vv3"), List.of("-V", "extra", "args"),
                List.of("-hV"), List.of("--vers"), List.of("-c", "--help", "-V"), List.of("--", "-x", "-V"));
    }

    /** Ours in-process (the same code as the process; cheap) against the nutcracker binary. */
    @ParameterizedTest
    @MethodSource("commandLines")
    void commandLineAsNutcracker(List<String> args) throws Exception {
        List<String> a = new ArrayList<>(args);
        if (a.equals(List.of("--", "-x", "-V"))) {
            a = List.of("-V", "--", "-x"); // "--" first would run both; keep the part after it ignored
        }
        Result nc = exec(nutcracker(a.toArray(new String[0])));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = Nutcracker.run(a.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String expected = upstreamHelp(nc.errText());
        String got = err.toString(StandardCharsets.UTF_8);
        // nutcracker's -V under a build with assertions prints one more line; ours under failsafe's -ea too
        got = got.replace("debugging assertions are enabled (java -ea), nutcracker may be less efficient\n", "");
        assertEquals(nc.status(), status, a + ": " + got);
        assertEquals(expected, got, a.toString());
        assertEquals(0, out.size());
    }

    @Test
    void badOptionValueAsAProcess() throws Exception {
        Result nc = exec(nutcracker("-m", "100"));
        Result us = exec(ours("-m", "100"));
        assertEquals(1, nc.status());
        assertEquals(1, us.status());
        assertEquals(upstreamHelp(nc.errText()), us.errText());
        assertTrue(us.errText().startsWith("nutcracker: mbuf chunk size must be between 512 and 16777216 bytes\n"
                + "Usage: nutcracker [-?hVdDt]"));
    }

    @Test
    void testConfVerdicts() throws Exception {
        Path good = conf("good.yml", yaml(Ports.free()));
        Result ncGood = exec(nutcracker("-t", "-c", good.toString()));
        Result usGood = exec(ours("-t", "-c", good.toString()));
        assertEquals(0, ncGood.status());
        assertEquals(0, usGood.status(), usGood.errText());
        assertEquals(ncGood.errText(), usGood.errText());
        assertEquals("nutcracker: configuration file '" + good + "' syntax is ok\n", usGood.errText());

        Path bad = conf("bad.yml", yaml(Ports.free()).replace("  redis: true\n", "  redis: true\n  hash: fnv9\n"));
        Result ncBad = exec(nutcracker("-t", "-c", bad.toString()));
        Result usBad = exec(ours("-t", "-c", bad.toString()));
        assertEquals(1, ncBad.status());
        assertEquals(1, usBad.status());
        String ours = usBad.errText();
        int firstLine = ours.indexOf('\n') + 1;
        String reason = ours.substring(0, firstLine);
        assertTrue(reason.startsWith("nutcracker: " + bad + ":") && reason.contains("fnv9"), reason);
        assertEquals(ncBad.errText(), ours.substring(firstLine), "nutcracker's verdict lines follow the reason");
        assertEquals(2, ncBad.errText().split("\n").length, "nutcracker says 'invalid' twice");

        Path missing = dir.resolve("missing.yml");
        Result ncMissing = exec(nutcracker("-t", "-c", missing.toString()));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(ncMissing.status(), Nutcracker.run(new String[] {"-t", "-c", missing.toString()}, ps, ps));
        String o = err.toString(StandardCharsets.UTF_8);
        assertEquals(ncMissing.errText(), o.substring(o.indexOf('\n') + 1), "once when the file cannot be opened");
    }

    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void pidFileWrittenAndRemovedOnCleanShutdown(String signal) throws Exception {
        int port = Ports.free();
        Path conf = conf("run.yml", yaml(port));
        Path pid = dir.resolve("run.pid");
        Path log = dir.resolve("run.log");
        Path out = dir.resolve("run.out");
        Process p = start(ours("-c", conf.toString(), "-p", pid.toString(), "-o", log.toString(), "-s",
                Integer.toString(Ports.free()), "-a", "127.0.0.1"), out);
        Ports.awaitAccepting(port, 60_000, p, "twemproxy4j (" + Files.readString(out) + ")");
        assertEquals(Long.toString(p.pid()), Files.readString(pid), "the pid, without a newline");
        kill(signal, p.pid());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "still running after SIG" + signal);
        assertEquals(0, p.exitValue(), Files.readString(log));
        assertFalse(Files.exists(pid), "pid file removed");
        String l = Files.readString(log);
        assertTrue(l.contains(" nutcracker-0.5.0 built for "), l);
        assertTrue(l.contains(") received, exiting\n"), l);
        assertTrue(l.endsWith(" done, rabbit done\n"), l);
        assertFalse(Ports.accepting(port));
        assertEquals("", Files.readString(out), "nothing on stdout/stderr when logging to a file");
    }

    @Test
    void daemonizeReturnsOnceUpThenSignalsWork() throws Exception {
        int port = Ports.free();
        Path conf = conf("daemon.yml", yaml(port));
        Path pid = dir.resolve("daemon.pid");
        Path log = dir.resolve("daemon.log");
        Result parent = exec(ours("-d", "-c", conf.toString(), "-p", pid.toString(), "-o", log.toString(), "-s",
                Integer.toString(Ports.free()), "-a", "127.0.0.1"));
        assertEquals(0, parent.status(), parent.errText() + Files.readString(log));
        assertEquals(0, parent.err().length, parent.errText());
        assertTrue(Ports.accepting(port), "listening when the parent returns");
        long daemon = Long.parseLong(Files.readString(pid));
        daemons.add(daemon);
        Optional<ProcessHandle> h = ProcessHandle.of(daemon);
        assertTrue(h.isPresent() && h.get().isAlive());
        String stat = Files.readString(Path.of("/proc/" + daemon + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertEquals(Long.toString(daemon), f[3], "the daemon leads its own session");

        // SIGHUP: logrotate moves the file, the daemon writes to a new one
        Path rotated = dir.resolve("daemon.log.1");
        Files.move(log, rotated);
        kill("HUP", daemon);
        awaitFile(log);
        kill("TTIN", daemon);
        awaitContent(log, " up log level to 6\n");
        assertTrue(Files.readString(rotated).contains("signal 1 (SIGHUP) received, reopening log file\n"));

        kill("TERM", daemon);
        h.get().onExit().get(30, TimeUnit.SECONDS);
        assertFalse(Files.exists(pid), "pid file removed");
        assertTrue(Files.readString(log).endsWith(" done, rabbit done\n"), Files.readString(log));
    }

    @Test
    void daemonizeFailsWhenTheDaemonCannotStart() throws Exception {
        Path conf = conf("bad-daemon.yml", "alpha:\n  listen: 127.0.0.1:" + Ports.free() + "\n  hash: fnv9\n"
                + "  servers:\n   - 127.0.0.1:1:1\n");
        Path pid = dir.resolve("bad-daemon.pid");
        Path log = dir.resolve("bad-daemon.log");
        Result parent = exec(ours("-d", "-c", conf.toString(), "-p", pid.toString(), "-o", log.toString()));
        assertEquals(1, parent.status());
        String[] e = parent.errText().split("\n");
        assertEquals(2, e.length, parent.errText());
        assertTrue(e[0].startsWith("nutcracker: " + conf + ":") && e[0].contains("fnv9"), e[0]);
        assertEquals("nutcracker: configuration file '" + conf + "' syntax is invalid", e[1]);
        assertTrue(Files.readString(log).contains("fnv9"), "the reason is in the log too");
        assertFalse(Files.exists(pid));
        assertTrue(ProcessHandle.allProcesses().noneMatch(ph -> ph.info().arguments()
                .map(a -> Arrays.asList(a).contains(conf.toString())).orElse(false)), "no daemon left behind");
    }

    @Test
    void aFailedStartIsOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Path conf = conf("taken.yml", yaml(taken.getLocalPort()));
            Path pid = dir.resolve("taken.pid");
            Path log = dir.resolve("taken.log");
            Result r = exec(ours("-c", conf.toString(), "-p", pid.toString(), "-o", log.toString()));
            assertEquals(1, r.status());
            String e = r.errText();
            assertTrue(e.startsWith("nutcracker: ") && e.endsWith("\n") && e.indexOf('\n') == e.length() - 1,
                    "one line: " + e);
            assertTrue(e.contains(Integer.toString(taken.getLocalPort())), e);
            assertFalse(Files.exists(pid), "pid file removed");
            String l = Files.readString(log);
            assertFalse(l.contains("\tat ") || l.contains("Exception"), l);
            assertTrue(l.endsWith(" done, rabbit done\n"), l);
        }
    }

    private static void kill(String signal, long pid) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertTrue(k.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, k.exitValue(), "kill -" + signal + " " + pid);
    }

    private static void awaitFile(Path f) {
        Await.until(f + " appears", Duration.ofSeconds(20), () -> Files.exists(f));
    }

    private static void awaitContent(Path f, String text) throws Exception {
        Await.until("'" + text.trim() + "' in " + f, Duration.ofSeconds(20),
                () -> Files.exists(f) && Files.readString(f).contains(text));
        assertNotEquals(0, Files.size(f));
    }
}
