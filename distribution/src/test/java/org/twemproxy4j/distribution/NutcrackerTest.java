package org.twemproxy4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Provides;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.stats.StatsDescribe;

/** The launcher in-process: -h/-V/-D, -t, --locate, and the run path with a stand-in for the core. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NutcrackerTest {
    private static final String GOOD = "alpha:\n  listen: 127.0.0.1:22199\n  redis: true\n  servers:\n   - 127.0.0.1:6379:1\n";
    private static final String DUPLICATE_LISTEN =
            "alpha:\n  listen: 127.0.0.1:22199\n  listen: 127.0.0.1:22198\n  servers:\n   - 127.0.0.1:6379:1\n";

    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    @AfterEach
    void resetLog() {
        Log.deinit();
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    /** Standard error without the log lines (loga lines are written at every level, even -v 0). */
    private String errWithoutLog() {
        StringBuilder sb = new StringBuilder();
        for (String l : err().split("(?<=\n)")) {
            if (!l.startsWith("[")) {
                sb.append(l);
            }
        }
        return sb.toString();
    }

    private int run(String... args) {
        return Nutcracker.run(args, out, err);
    }

    private int run(Nutcracker.ServiceFactory factory, String... args) {
        return new Nutcracker(out, err, Map.of(), factory, Nutcracker.class.getName()).execute(args);
    }

    private Path conf(String yaml) throws IOException {
        Path f = dir.resolve("nutcracker.yml");
        Files.writeString(f, yaml);
        return f;
    }

    private static String version() {
        return "This is nutcracker-0.5.0\nasync event backend: " + Nutcracker.eventBackend() + "\n"
                + (Core.class.desiredAssertionStatus()
                        ? "debugging assertions are enabled (java -ea), nutcracker may be less efficient\n" : "")
                + "\n";
    }

    @Test
    void versionLines() {
        assertEquals(0, run("-V"));
        assertEquals(version(), err());
        assertEquals("", out(), "nutcracker writes everything on stderr");
        assertTrue(err().startsWith("This is nutcracker-0.5.0\nasync event backend: "));
        if (System.getProperty("os.name").equals("Linux")) {
            assertEquals("epoll", Nutcracker.eventBackend());
        }
    }

    @Test
    void helpIsVersionThenUsage() {
        assertEquals(0, run("-h"));
        assertEquals(version() + NcOptions.usage(), err());
        errBytes.reset();
        assertEquals(0, run("--help", "-c", "whatever", "-d"));
        assertEquals(version() + NcOptions.usage(), err());
    }

    @Test
    void describeStats() {
        assertEquals(0, run("-D"));
        assertEquals(version() + StatsDescribe.render(), err());
        errBytes.reset();
        assertEquals(0, run("-hD"));
        assertEquals(version() + NcOptions.usage() + StatsDescribe.render(), err());
    }

    @Test
    void badOptionPrintsTheReasonThenTheUsageAndExits1() {
        assertEquals(1, run("-m", "100"));
        assertEquals("nutcracker: mbuf chunk size must be between 512 and 16777216 bytes\n" + NcOptions.usage(), err());
        errBytes.reset();
        assertEquals(1, run("-x", "-V"));
        assertEquals("nutcracker: invalid option -- 'x'\n" + NcOptions.usage(), err());
        assertEquals("", out());
    }

    @Test
    void testConfOk() throws IOException {
        Path f = conf(GOOD);
        assertEquals(0, run("-t", "-c", f.toString()));
        assertEquals("nutcracker: configuration file '" + f + "' syntax is ok\n", err());
    }

    @Test
    void testConfInvalidSaysWhyThenNutcrackersTwoLines() throws IOException {
        Path f = conf(DUPLICATE_LISTEN);
        assertEquals(1, run("--test-conf", "--conf-file=" + f));
        List<String> lines = List.of(err().split("\n"));
        assertEquals(3, lines.size(), err());
        assertTrue(lines.get(0).startsWith("nutcracker: " + f + ":"), lines.get(0));
        assertTrue(lines.get(0).contains("listen"), lines.get(0));
        assertEquals("nutcracker: configuration file '" + f + "' syntax is invalid", lines.get(1));
        assertEquals(lines.get(1), lines.get(2));
    }

    @Test
    void testConfOnAMissingFileHasOneVerdictLine() {
        Path f = dir.resolve("missing.yml");
        assertEquals(1, run("-t", "-c", f.toString()));
        List<String> lines = List.of(err().split("\n"));
        assertEquals(2, lines.size(), err());
        assertTrue(lines.get(0).contains("No such file or directory"), lines.get(0));
        assertEquals("nutcracker: configuration file '" + f + "' syntax is invalid", lines.get(1));
        errBytes.reset();
        assertEquals(1, run("-t", "-c", ""));
        assertTrue(err().endsWith("\nnutcracker: configuration file '' syntax is invalid\n"), err());
        assertEquals(2, err().split("\n").length, err());
    }

    @Test
    void locateIsHandedTheCommandLine() throws IOException {
        Path f = conf(GOOD);
        assertEquals(0, run("-c", f.toString(), "--locate", "somekey"));
        assertTrue(out().startsWith("somekey -> "), out());
        assertFalse(err().contains("invalid option"), err());
    }

    /** A stand-in for the core: start succeeds, loop waits for stop. */
    private static final class FakeService implements Nutcracker.Service {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch stopped = new CountDownLatch(1);
        final AtomicInteger closed = new AtomicInteger();
        IOException startFailure;
        org.twemproxy4j.stats.Stats stats;

        @Override
        public org.twemproxy4j.stats.Stats stats() {
            return stats;
        }

        @Override
        public void start() throws IOException {
            if (startFailure != null) {
                throw startFailure;
            }
            started.countDown();
        }

        @Override
        public void loop() {
            try {
                assertTrue(stopped.await(30, TimeUnit.SECONDS), "never stopped");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void stop() {
            stopped.countDown();
        }

        @Override
        public void close() {
            closed.incrementAndGet();
        }
    }

    @Test
    void runsWritesThePidFileLogsAndCleansUpOnStop() throws Exception {
        Path f = conf(GOOD);
        Path pid = dir.resolve("nc.pid");
        Path log = dir.resolve("nc.log");
        FakeService fake = new FakeService();
        AtomicReference<Instance> seen = new AtomicReference<>();
        Nutcracker nc = new Nutcracker(out, err, Map.of(), (i, c) -> {
            seen.set(i);
            assertEquals(1, c.pools().size());
            return fake;
        }, Nutcracker.class.getName());
        AtomicInteger status = new AtomicInteger(-1);
        Thread main = new Thread(() -> status.set(nc.execute(new String[] {"-c", f.toString(), "-p", pid.toString(),
            "-o", log.toString(), "-v", "6", "-m", "1024", "-s", "2000", "-a", "127.0.0.1", "-i", "50"})));
        main.start();
        assertTrue(fake.started.await(30, TimeUnit.SECONDS));
        assertEquals(Long.toString(ProcessHandle.current().pid()), Files.readString(pid), "pid, no newline");
        Instance i = seen.get();
        assertEquals(6, i.logLevel);
        assertEquals(1024, i.mbufChunkSize);
        assertEquals(2000, i.statsPort);
        assertEquals("127.0.0.1", i.statsAddr);
        assertEquals(50, i.statsInterval);
        assertEquals(6, Log.level());

        nc.requestStop();
        main.join(30_000);
        assertEquals(0, status.get());
        assertFalse(Files.exists(pid), "pid file removed");
        assertEquals(1, fake.closed.get());
        String l = Files.readString(log);
        assertTrue(l.contains("] Nutcracker.java:"), l);
        assertTrue(l.contains(" nutcracker-0.5.0 built for "), l);
        assertTrue(l.contains(" started on pid " + ProcessHandle.current().pid() + "\n"), l);
        assertTrue(l.contains(" run, rabbit run / dig that hole, forget the sun / and when at last the work is done"
                + " / don't sit down / it's time to dig another one\n"), l);
        assertTrue(l.endsWith(" done, rabbit done\n"), l);
        assertEquals("", err(), "nothing on stderr when logging to a file");
    }

    @Test
    void aStopBeforeTheLoopMeansNoLoop() throws IOException {
        Path f = conf(GOOD);
        AtomicReference<Nutcracker> self = new AtomicReference<>();
        FakeService fake = new FakeService();
        Nutcracker nc = new Nutcracker(out, err, Map.of(), (i, c) -> {
            self.get().requestStop(); // as if SIGTERM came while the injector was being built
            return fake;
        }, Nutcracker.class.getName());
        self.set(nc);
        assertEquals(0, nc.execute(new String[] {"-c", f.toString(), "-v", "0"}));
        assertEquals(0, fake.stopped.getCount());
    }

    @Test
    void refusedConfigurationSaysWhyAndRemovesThePidFile() throws IOException {
        Path f = conf(DUPLICATE_LISTEN);
        Path pid = dir.resolve("nc.pid");
        assertEquals(1, run((i, c) -> {
            throw new AssertionError("no service for a refused configuration");
        }, "-c", f.toString(), "-p", pid.toString(), "-v", "0"));
        List<String> lines = List.of(errWithoutLog().split("\n"));
        assertEquals(2, lines.size(), err());
        assertTrue(lines.get(0).startsWith("nutcracker: " + f + ":") && lines.get(0).contains("duplicate"), err());
        assertEquals("nutcracker: configuration file '" + f + "' syntax is invalid", lines.get(1));
        assertFalse(Files.exists(pid));
    }

    @Test
    void failedStartIsOneLineWithoutStackTrace() throws IOException {
        Path f = conf(GOOD);
        Path log = dir.resolve("nc.log");
        FakeService fake = new FakeService();
        fake.startFailure = new IOException("bind to 127.0.0.1:22199 failed: Address already in use");
        assertEquals(1, run((i, c) -> fake, "-c", f.toString(), "-o", log.toString()));
        assertEquals("nutcracker: bind to 127.0.0.1:22199 failed: Address already in use\n", err());
        assertTrue(Files.readString(log).contains(" bind to 127.0.0.1:22199 failed: Address already in use\n"));
        assertEquals(1, fake.closed.get());
    }

    @Test
    void failedAssemblyIsOneLine() throws IOException {
        Path f = conf(GOOD);
        assertEquals(1, run((i, c) -> {
            throw new IOException("pool 'alpha': no redis protocol available");
        }, "-c", f.toString(), "-v", "0"));
        assertEquals("nutcracker: pool 'alpha': no redis protocol available\n", errWithoutLog());
    }

    @Test
    void unusablePidFile() throws IOException {
        Path f = conf(GOOD);
        Path pid = dir.resolve("no/such/dir/nc.pid");
        assertEquals(1, run((i, c) -> new FakeService(), "-c", f.toString(), "-p", pid.toString(), "-v", "0"));
        assertEquals("nutcracker: opening pid file '" + pid + "' failed: No such file or directory\n", errWithoutLog());
    }

    @Test
    void unusableLogFile() throws IOException {
        Path f = conf(GOOD);
        Path log = dir.resolve("no/such/dir/nc.log");
        assertEquals(1, run((i, c) -> new FakeService(), "-c", f.toString(), "-o", log.toString()));
        assertEquals("opening log file '" + log + "' failed: No such file or directory\n", err());
    }

    @Test
    void logToStderrByDefault() throws IOException {
        Path f = conf(DUPLICATE_LISTEN);
        assertEquals(1, run("-c", f.toString()));
        String e = err();
        assertTrue(e.contains("] Nutcracker.java:"), e);
        assertTrue(e.contains(" run, rabbit run"), e);
        assertTrue(e.endsWith(" done, rabbit done\n"), e);
        assertFalse(e.contains("\tat "), e);
    }

    @Test
    void theInjectorBuildsACore() throws Exception {
        Conf conf = Conf.parse(GOOD, "test.yml");
        Nutcracker.quietNettyLogging();
        Core core = Guice.createInjector(Nutcracker.modules(Instance.defaults(), conf)).getInstance(Core.class);
        assertNotNull(core);
        assertEquals(Instance.defaults().confFilename, core.instance().confFilename);
        core.close();
    }

    @Test
    void describeGivesTheRootReasonInOneLine() {
        CreationException e = assertThrows(CreationException.class, () -> Guice.createInjector(new AbstractModule() {
            @Provides
            String broken() throws IOException {
                throw new IOException("cannot open selector: Too many open files");
            }

            @Override
            protected void configure() {
                requireBinding(Integer.class);
            }
        }));
        String d = Nutcracker.describe(e);
        assertFalse(d.contains("\n"), d);
        assertTrue(d.contains("Integer"), d);
        assertEquals("cannot open selector: Too many open files",
                Nutcracker.describe(new com.google.inject.ProvisionException("x",
                        new IOException("cannot open selector: Too many open files"))));
        assertEquals("IllegalStateException: boom", Nutcracker.describe(new IllegalStateException("boom")));
        assertEquals("java.lang.NullPointerException", Nutcracker.describe(new NullPointerException()));
    }

    @Test
    void machineNameAsUnameSaysIt() {
        if (System.getProperty("os.arch").equals("amd64")) {
            assertEquals("x86_64", Nutcracker.machine());
        } else {
            assertFalse(Nutcracker.machine().isEmpty());
        }
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static String readStatsPort(int port) throws IOException {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            s.setSoTimeout(5000);
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean accepting(int port) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void servesTheStatsPortAndPrometheusWhileRunning() throws Exception {
        Path f = conf(GOOD);
        FakeService fake = new FakeService();
        fake.stats = new org.twemproxy4j.stats.Stats(org.twemproxy4j.core.StatsBridge.layout(Conf.parse(GOOD, "x")),
                "testhost");
        int statsPort = freePort();
        int promPort = freePort();
        Nutcracker nc = new Nutcracker(out, err, Map.of(), (i, c) -> fake, Nutcracker.class.getName());
        AtomicInteger status = new AtomicInteger(-1);
        Thread main = new Thread(() -> status.set(nc.execute(new String[] {"-c", f.toString(), "-v", "0",
            "-s", Integer.toString(statsPort), "-a", "127.0.0.1", "--prometheus-port=" + promPort})));
        main.start();
        try {
            assertTrue(fake.started.await(30, TimeUnit.SECONDS));
            String json = readStatsPort(statsPort);
            assertTrue(json.startsWith("{\"service\":\"nutcracker\", \"source\":\"testhost\", \"version\":\"0.5.0\", "),
                    json);
            assertTrue(json.contains("\"alpha\": {\"client_eof\":0, ") && json.endsWith("}}}\n"), json);
            java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL(
                    "http://127.0.0.1:" + promPort + "/metrics").openConnection();
            assertEquals(200, c.getResponseCode());
            String text = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(text.contains("twemproxy4j_requests_total{pool=\"alpha\",server=\"127.0.0.1:6379\"} 0\n"),
                    text);
        } finally {
            nc.requestStop();
            main.join(30_000);
        }
        assertEquals(0, status.get());
        assertFalse(accepting(statsPort), "stats port closed after the loop");
        assertFalse(accepting(promPort), "prometheus port closed after the loop");
    }

    @Test
    void aBusyStatsPortFailsTheStartAsNutcrackerDoes() throws Exception {
        Path f = conf(GOOD);
        FakeService fake = new FakeService();
        fake.stats = new org.twemproxy4j.stats.Stats(org.twemproxy4j.core.StatsBridge.layout(Conf.parse(GOOD, "x")),
                "h");
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = busy.getLocalPort();
            assertEquals(1, run((i, c) -> fake, "-c", f.toString(), "-v", "0", "-s", Integer.toString(port),
                    "-a", "127.0.0.1"));
            assertEquals("nutcracker: bind on stats server addr '127.0.0.1:" + port
                    + "' failed: Address already in use\n", errWithoutLog());
            assertEquals(1, fake.started.getCount(), "the pools never listened");
            assertEquals(1, fake.closed.get());
        }
    }

    @Test
    void theInjectorHasOneStatsNamedAfterTheConfiguration() throws Exception {
        Conf conf = Conf.parse("zeta:\n  listen: 127.0.0.1:22199\n  servers:\n   - 127.0.0.1:11211:1\n"
                + "   - 127.0.0.1:11212:1 bb\n   - 127.0.0.1:11213:1 a\nalpha:\n  listen: 127.0.0.1:22198\n"
                + "  servers:\n   - 127.0.0.1:6379:1\n", "x.yml");
        com.google.inject.Injector injector = Guice.createInjector(Nutcracker.modules(Instance.defaults(), conf));
        org.twemproxy4j.stats.Stats stats = injector.getInstance(org.twemproxy4j.stats.Stats.class);
        assertTrue(stats == injector.getInstance(org.twemproxy4j.stats.Stats.class), "a singleton");
        assertEquals("zeta", stats.layout().pool(0));
        assertEquals("a", stats.layout().server(0, 0));
        assertEquals("bb", stats.layout().server(0, 1));
        assertEquals("127.0.0.1", stats.layout().server(0, 2));
        assertEquals(Instance.defaults().hostname, stats.source());
        com.codahale.metrics.MetricRegistry registry = injector.getInstance(com.codahale.metrics.MetricRegistry.class);
        assertTrue(registry.getGauges().containsKey("twemproxy4j.zeta.bb.requests"), registry.getNames().toString());
        assertTrue(registry.getGauges().containsKey("twemproxy4j.alpha.client_connections"));
    }

    @Test
    void startupDefaultsTurnOffGuiceBytecodeGenerationUnlessGivenOnTheCommandLine() {
        String gen = System.getProperty("guice_bytecode_gen_option");
        String traces = System.getProperty("guice_include_stack_traces");
        try {
            System.clearProperty("guice_bytecode_gen_option");
            System.setProperty("guice_include_stack_traces", "COMPLETE"); // as with -D on the command line
            Nutcracker.startupDefaults();
            assertEquals("DISABLED", System.getProperty("guice_bytecode_gen_option"));
            assertEquals("COMPLETE", System.getProperty("guice_include_stack_traces"), "a given value is kept");
        } finally {
            restore("guice_bytecode_gen_option", gen);
            restore("guice_include_stack_traces", traces);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}

