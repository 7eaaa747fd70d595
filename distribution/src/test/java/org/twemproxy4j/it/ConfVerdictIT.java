package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfException;
import org.twemproxy4j.distribution.Nutcracker;
import org.twemproxy4j.it.fixture.NutcrackerProcess;

/**
 * The differential test of the configuration: every file of {@code conf-corpus} (test resources) gets the same
 * verdict from {@code twemproxy4j -t -c FILE} as from the real {@code nutcracker -t -c FILE}: exit status 0
 * (valid) or 1 (invalid). A file's name says which verdict nutcracker gives it ({@code good-*} / {@code bad-*}),
 * so a changed nutcracker shows up as well. For an invalid file twemproxy4j must also say why, naming the file.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConfVerdictIT {
    private static final String CORPUS = "/conf-corpus";
    private static final int MIN_CORPUS = 60;
    /** Files nutcracker 0.5.0 refuses and twemproxy4j accepts on purpose: keys of twemproxy master. */
    private static final java.util.Set<String> ACCEPTED_BEYOND_0_5_0 = java.util.Set.of(
            "bad-unknown-key-reuseport.yml");

    static Path corpusDir() {
        URL url = ConfVerdictIT.class.getResource(CORPUS);
        if (url == null) {
            throw new IllegalStateException(CORPUS + " is not on the test classpath");
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<Path> corpus() throws IOException {
        try (Stream<Path> files = Files.list(corpusDir())) {
            return files.filter(p -> p.getFileName().toString().endsWith(".yml")).sorted()
                    .collect(Collectors.toList());
        }
    }

    @Test
    void corpusHoldsEnoughGoodAndBadFiles() throws IOException {
        List<Path> files = corpus();
        assertTrue(files.size() >= MIN_CORPUS, "corpus has " + files.size() + " files, want " + MIN_CORPUS);
        long good = files.stream().filter(p -> p.getFileName().toString().startsWith("good-")).count();
        long bad = files.stream().filter(p -> p.getFileName().toString().startsWith("bad-")).count();
        assertEquals(files.size(), good + bad, "every corpus file is named good-* or bad-*");
        assertTrue(good >= 20 && bad >= 20, good + " good and " + bad + " bad files");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    void sameVerdictAsNutcracker(String name) throws Exception {
        Path file = corpusDir().resolve(name);
        Result nc = nutcracker(file);
        assertTrue(nc.status == 0 || nc.status == 1, "nutcracker -t exited " + nc.status + ": " + nc.output);
        int expected = name.startsWith("good-") ? 0 : 1;
        assertEquals(expected, nc.status, "nutcracker's verdict contradicts the file name: " + nc.output);

        Result ours = twemproxy4j(file);
        if (ACCEPTED_BEYOND_0_5_0.contains(name)) {
            assertEquals(0, ours.status, "twemproxy4j accepts twemproxy master's key in " + name + ": " + ours.output);
            return;
        }
        assertEquals(nc.status, ours.status, "twemproxy4j -t disagrees with nutcracker -t on " + name + ": "
                + ours.output);
        if (ours.status == 0) {
            assertTrue(ours.output.contains("configuration file '" + file + "' syntax is ok"), ours.output);
            return;
        }
        assertTrue(ours.output.contains("configuration file '" + file + "' syntax is invalid"), ours.output);
        String reason;
        try {
            Conf.load(file);
            fail("Conf.load accepted " + name + " which -t refused");
            return;
        } catch (ConfException e) {
            reason = e.getMessage();
        }
        assertTrue(reason.startsWith(file.toString()), "the reason names the file: " + reason);
        assertTrue(reason.length() > file.toString().length() + 3, "the reason says why: " + reason);
        assertFalse(reason.contains("\n") || reason.contains("\r"), "the reason is one line: " + reason);
        assertTrue(ours.output.contains(reason), "-t prints the reason: " + ours.output);
    }

    static Stream<String> names() throws IOException {
        return corpus().stream().map(p -> p.getFileName().toString());
    }

    private static final class Result {
        final int status;
        final String output;

        Result(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    private static Result nutcracker(Path file) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(NutcrackerProcess.binaryPath(), "-t", "-c", file.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out;
        try {
            p.getOutputStream().close();
            out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                fail("nutcracker -t did not finish on " + file);
            }
        } finally {
            p.destroyForcibly();
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static Result twemproxy4j(Path file) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        int status = Nutcracker.run(new String[] {"-t", "-c", file.toString()}, ps, ps);
        ps.flush();
        return new Result(status, buf.toString(StandardCharsets.UTF_8));
    }
}
