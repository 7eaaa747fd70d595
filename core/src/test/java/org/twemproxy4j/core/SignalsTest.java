package org.twemproxy4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.twemproxy4j.core.util.Log;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SignalsTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8);

    @AfterEach
    void reset() {
        Log.deinit();
    }

    private String out() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void ttinAndTtouMoveTheLevelAndSayWhy() {
        Log.init(Log.LOG_NOTICE, null, err);
        Signals s = new Signals(() -> { }, () -> { });
        s.handle("TTIN", 21);
        assertEquals(6, Log.level());
        s.handle("TTOU", 22);
        s.handle("TTOU", 22);
        assertEquals(4, Log.level());
        String o = out();
        assertTrue(o.contains(" signal 21 (SIGTTIN) received, up logging level\n"), o);
        assertTrue(o.contains(" up log level to 6\n"), o);
        assertTrue(o.contains(" signal 22 (SIGTTOU) received, down logging level\n"), o);
        assertTrue(o.contains(" down log level to 4\n"), o);
    }

    @Test
    void usr1AsksForAReloadAndLogs() {
        Log.init(Log.LOG_EMERG, null, err);
        AtomicInteger shut = new AtomicInteger();
        AtomicInteger reload = new AtomicInteger();
        Signals s = new Signals(shut::incrementAndGet, shut::incrementAndGet);
        s.handle("USR1", 10);
        assertEquals(0, reload.get(), "no reload wired yet: only logged");
        s.onReload(reload::incrementAndGet);
        s.handle("USR1", 10);
        assertEquals(1, reload.get());
        assertEquals(0, shut.get());
        assertEquals(Log.LOG_EMERG, Log.level());
        assertTrue(out().contains(" signal 10 (SIGUSR1) received, reloading the configuration\n"), out());
    }

    @Test
    void hupReopensTheLogFile() throws Exception {
        Path f = dir.resolve("nc.log");
        Log.init(Log.LOG_NOTICE, f.toString(), err);
        Files.move(f, dir.resolve("nc.log.1"));
        new Signals(() -> { }, () -> { }).handle("HUP", 1);
        Log.notice("after");
        assertTrue(Files.readString(dir.resolve("nc.log.1")).contains("signal 1 (SIGHUP) received, reopening log file"));
        assertTrue(Files.readString(f).endsWith(" after\n"));
    }

    @Test
    void firstIntOrTermShutsDownCleanlyTheSecondForcesTheExit() {
        Log.init(Log.LOG_NOTICE, null, err);
        AtomicInteger clean = new AtomicInteger();
        AtomicInteger forced = new AtomicInteger();
        Signals s = new Signals(clean::incrementAndGet, forced::incrementAndGet);
        assertFalse(s.shutdownRequested());
        s.handle("TERM", 15);
        assertTrue(s.shutdownRequested());
        assertEquals(1, clean.get());
        assertEquals(0, forced.get());
        s.handle("INT", 2);
        assertEquals(1, clean.get());
        assertEquals(1, forced.get());
        assertTrue(out().contains(" signal 15 (SIGTERM) received, exiting\n"), out());
        assertTrue(out().contains(" signal 2 (SIGINT) received again, exiting at once\n"), out());
    }

    @Test
    void theJvmDeliversEverySignalNutcrackerHandles() throws Exception {
        Log.init(Log.LOG_NOTICE, null, err);
        CountDownLatch term = new CountDownLatch(1);
        Signals s = Signals.install(term::countDown);
        try {
            // SIGUSR2 is left to the JVM, which suspends threads with it
            assertEquals(List.of("USR1", "TTIN", "TTOU", "HUP", "INT", "TERM"), List.of(Signals.NAMES));
            kill("TTIN");
            awaitOutput("received, up logging level");
            assertEquals(6, Log.level());
            kill("TTOU");
            awaitOutput("received, down logging level");
            kill("USR1");
            awaitOutput("(SIGUSR1) received");
            kill("HUP");
            awaitOutput("(SIGHUP) received, reopening log file");
            kill("TERM");
            assertTrue(term.await(10, TimeUnit.SECONDS), "SIGTERM did not reach the callback: " + out());
            assertTrue(s.shutdownRequested());
        } finally {
            s.close();
        }
        assertFalse(out().contains("failed"), out());
    }

    private static void kill(String sig) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(ProcessHandle.current().pid()))
                .inheritIO().start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue());
    }

    private void awaitOutput(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!out().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in: " + out());
            Thread.sleep(10);
        }
    }
}
