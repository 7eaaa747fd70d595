package org.twemproxy4j.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LogTest {
    private static final Pattern LINE =
            Pattern.compile("\\[\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}] LogTest\\.java:\\d+ .*");

    @TempDir
    Path dir;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8);

    @AfterEach
    void reset() {
        Log.deinit();
    }

    private List<String> lines() {
        String s = captured.toString(StandardCharsets.UTF_8);
        return s.isEmpty() ? List.of() : List.of(s.split("\n"));
    }

    @Test
    void lineFormatNamesTheCallersFileAndLine() {
        assertTrue(Log.init(Log.LOG_NOTICE, null, err));
        int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
        Log.notice("hello world");
        List<String> l = lines();
        assertEquals(1, l.size());
        assertTrue(LINE.matcher(l.get(0)).matches(), l.get(0));
        assertTrue(l.get(0).endsWith("] LogTest.java:" + line + " hello world"), l.get(0));
        assertTrue(captured.toString(StandardCharsets.UTF_8).endsWith("\n"));
    }

    @Test
    void levelsGateAsNutcracker() {
        Log.init(Log.LOG_WARN, null, err);
        Log.error("e");
        Log.warn("w");
        Log.notice("n");
        Log.info("i");
        Log.debug("d");
        Log.log(Log.LOG_VERB, "v");
        Log.always("a");
        assertEquals(List.of("e", "w", "a"), messages());

        captured.reset();
        Log.init(Log.LOG_ALERT, null, err);
        Log.error("error is written down to level 1, as log_error tests LOG_ALERT");
        Log.log(Log.LOG_ERR, "not this");
        assertEquals(1, messages().size());

        captured.reset();
        Log.init(Log.LOG_EMERG, null, err);
        Log.error("no");
        Log.always("yes");
        assertEquals(List.of("yes"), messages());

        captured.reset();
        Log.init(Log.LOG_PVERB, null, err);
        Log.log(Log.LOG_PVERB, "p");
        Log.debug("d");
        assertEquals(List.of("p", "d"), messages());
    }

    private List<String> messages() {
        List<String> m = new ArrayList<>();
        for (String l : lines()) {
            m.add(l.substring(l.indexOf(' ', l.indexOf(']') + 2) + 1));
        }
        return m;
    }

    @Test
    void enabledIsTheLevelTest() {
        Log.init(6, null, err);
        assertTrue(Log.enabled(Log.LOG_INFO));
        assertTrue(Log.enabled(Log.LOG_EMERG));
        assertFalse(Log.enabled(Log.LOG_DEBUG));
        assertEquals(6, Log.level());
    }

    @Test
    void levelIsClampedTo0Through11() {
        Log.init(12, null, err);
        assertEquals(Log.LOG_PVERB, Log.level());
        Log.init(-4, null, err);
        assertEquals(Log.LOG_EMERG, Log.level());
        Log.levelSet(99);
        assertEquals(11, Log.level());
        assertTrue(lines().get(0).endsWith(" set log level to 11"), lines().get(0));
    }

    @Test
    void levelUpAndDownStopAtTheEnds() {
        Log.init(Log.LOG_VVVERB, null, err);
        Log.levelUp();
        assertEquals(11, Log.level());
        Log.levelUp();
        assertEquals(11, Log.level());
        assertEquals(List.of("up log level to 11"), messages());

        captured.reset();
        Log.init(1, null, err);
        Log.levelDown();
        Log.levelDown();
        assertEquals(0, Log.level());
        assertEquals(List.of("down log level to 0"), messages());
    }

    @Test
    void appendsToTheFileAndReopensItAfterARename() throws Exception {
        Path f = dir.resolve("nc.log");
        Files.writeString(f, "old line\n");
        assertTrue(Log.init(Log.LOG_NOTICE, f.toString(), err));
        assertEquals(f.toString(), Log.fileName());
        assertFalse(Log.toStderr());
        Log.notice("first");
        Path rotated = dir.resolve("nc.log.1");
        Files.move(f, rotated);
        Log.notice("second, still to the renamed file");
        Log.reopen();
        Log.notice("third");

        List<String> old = Files.readAllLines(rotated);
        assertEquals("old line", old.get(0));
        assertTrue(old.get(1).endsWith(" first"));
        assertTrue(old.get(2).endsWith(" second, still to the renamed file"));
        List<String> fresh = Files.readAllLines(f);
        assertEquals(1, fresh.size());
        assertTrue(LINE.matcher(fresh.get(0)).matches());
        assertTrue(fresh.get(0).endsWith(" third"));
        assertEquals("", captured.toString(StandardCharsets.UTF_8), "nothing on stderr");
    }

    @Test
    void failedReopenIsReportedAndLinesAreDroppedUntilTheNextOne() throws Exception {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path f = sub.resolve("nc.log");
        Log.init(Log.LOG_NOTICE, f.toString(), err);
        Files.delete(f);
        Files.delete(sub);
        long before = Log.nerror();
        Log.reopen();
        assertEquals("reopening log file '" + f + "' failed, ignored: No such file or directory\n",
                captured.toString(StandardCharsets.UTF_8));
        Log.notice("lost");
        assertEquals(before + 1, Log.nerror());
        Files.createDirectory(sub);
        Log.reopen();
        Log.notice("back");
        assertTrue(Files.readString(f).endsWith(" back\n"));
    }

    @Test
    void initFailureSaysWhyAndKeepsTheOldDestination() {
        Path missing = dir.resolve("no/such/dir/nc.log");
        assertFalse(Log.init(Log.LOG_NOTICE, missing.toString(), err));
        assertEquals("opening log file '" + missing + "' failed: No such file or directory\n",
                captured.toString(StandardCharsets.UTF_8));
        captured.reset();
        assertFalse(Log.init(Log.LOG_NOTICE, dir.toString(), err));
        assertEquals("opening log file '" + dir + "' failed: Is a directory\n",
                captured.toString(StandardCharsets.UTF_8));
    }

    @Test
    void emptyFileNameMeansStderr() {
        assertTrue(Log.init(Log.LOG_NOTICE, "", err));
        assertTrue(Log.toStderr());
        Log.notice("x");
        assertEquals(1, lines().size());
    }

    @Test
    void linesFromManyThreadsNeverInterleave() throws Exception {
        Path f = dir.resolve("threads.log");
        Log.init(Log.LOG_NOTICE, f.toString(), err);
        int threads = 4;
        int each = 500;
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    Log.notice("thread " + id + " line " + i + " " + "x".repeat(100));
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
        List<String> all = Files.readAllLines(f);
        assertEquals(threads * each, all.size());
        Pattern p = Pattern.compile(LINE.pattern().replace(".*", "thread \\d line \\d+ x{100}"));
        for (String l : all) {
            assertTrue(p.matcher(l).matches(), l);
        }
    }

    @Test
    void deinitReturnsToStderrAtNotice() {
        Log.init(Log.LOG_PVERB, null, err);
        Log.deinit();
        assertEquals(Log.LOG_NOTICE, Log.level());
        assertTrue(Log.toStderr());
    }
}
