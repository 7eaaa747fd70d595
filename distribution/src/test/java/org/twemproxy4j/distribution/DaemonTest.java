package org.twemproxy4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** -d's re-executed JVM and its readiness report, with a stand-in daemon ({@link DaemonChildMain}). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DaemonTest {
    private static final String MAIN = DaemonChildMain.class.getName();

    @TempDir
    Path dir;

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

    private String err() {
        return errBytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theParentReturnsOnceTheDaemonIsUpAndTheDaemonIsDetached() throws Exception {
        Path info = dir.resolve("info");
        Path stop = dir.resolve("stop");
        Path log = dir.resolve("daemon.log");
        int status = Daemon.spawn(MAIN, new String[] {"up", info.toString(), stop.toString()}, log.toString(), err);
        assertEquals(0, status, err());
        assertEquals("", err(), "nothing printed by the parent on success");
        String[] pidSid = Files.readString(info).split(" ");
        long pid = Long.parseLong(pidSid[0]);
        Optional<ProcessHandle> daemon = ProcessHandle.of(pid);
        assertTrue(daemon.isPresent() && daemon.get().isAlive(), "the daemon runs on after the parent returned");
        if (Daemon.setsid() != null) {
            assertEquals(pidSid[0], pidSid[1], "a session leader (setsid)");
        }
        Files.createFile(stop);
        daemon.get().onExit().get(30, TimeUnit.SECONDS);
        String l = Files.readString(log);
        assertTrue(l.contains("stdout of the daemon\n"), "stdout goes to the log file: " + l);
        assertTrue(l.contains("stderr after up\n"), "stderr goes to the log file: " + l);
    }

    @Test
    void aFailedStartIsReportedWithWhatTheDaemonPrinted() {
        assertEquals(1, Daemon.spawn(MAIN, new String[] {"fail"}, null, err));
        assertEquals("nutcracker: it went wrong\n", err());
    }

    @Test
    void aDaemonThatDiesWithoutAReport() {
        assertEquals(1, Daemon.spawn(MAIN, new String[] {"die"}, null, err));
        assertEquals("nutcracker: the daemon exited with status 3 before it was up\n", err());
    }

    @Test
    void theCommandIsThisJvmWithTheSameClassPathAndArguments() {
        List<String> cmd = Daemon.command("x.Main", new String[] {"-d", "-c", "a b.yml"});
        int java = Daemon.setsid() == null ? 0 : 1;
        if (java == 1) {
            assertEquals(Daemon.setsid(), cmd.get(0));
        }
        assertEquals(Path.of(System.getProperty("java.home"), "bin", "java").toString(), cmd.get(java));
        int cp = cmd.indexOf("-cp");
        assertEquals(System.getProperty("java.class.path"), cmd.get(cp + 1));
        assertEquals(List.of("x.Main", "-d", "-c", "a b.yml"), cmd.subList(cp + 2, cmd.size()));
        for (String a : cmd) {
            assertFalse(a.startsWith("-agentlib:jdwp"), a);
        }
    }

    @Test
    void onlyTheDaemonHasAChildSide() {
        assertNull(Daemon.child(Map.of(), err));
        assertNull(Daemon.child(Map.of(Daemon.ENV, ""), err));
        assertTrue(Daemon.child(Map.of(Daemon.ENV, dir.resolve("r").toString()), err) != null);
    }

    @Test
    void theChildReportsOnceAndStopsCopyingStderr() throws Exception {
        Path ready = dir.resolve("ready");
        ByteArrayOutputStream real = new ByteArrayOutputStream();
        Daemon.Child c = Daemon.child(Map.of(Daemon.ENV, ready.toString()),
                new PrintStream(real, true, StandardCharsets.UTF_8));
        c.err().println("line one");
        c.failed(7);
        assertEquals("failed 7\nline one\n", Files.readString(ready));
        c.up(5);
        assertEquals("failed 7\nline one\n", Files.readString(ready), "written once");
        assertTrue(c.reported());
        c.err().println("line two");
        assertEquals("line one\nline two\n", real.toString(StandardCharsets.UTF_8), "the real stderr gets all");
        assertFalse(Files.exists(dir.resolve("ready.tmp")));
    }
}
