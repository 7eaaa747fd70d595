package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A slice of the soak: runs {@code bench/soak} (the real script: twemproxy4j as launched by {@code ./twemproxy4j},
 * redis-server and memcached backends, the mixed load of bench/soak-load) for {@code -Dsoak.seconds} (default
 * 60; CI's 2-minute slice is {@code -Dsoak.seconds=120}; the 30-minute run is {@code bench/soak}) with samples
 * every 5 s, and checks its verdict: exit 0 (nothing trends upward after warm-up, the load saw no failure), every
 * sample complete (RSS, heap after GC, direct memory, fds, stats), and the load really ran through the proxy.
 */
class SoakIT {
    private static final long SECONDS = Long.getLong("soak.seconds", 60);

    private static Path home() {
        return Path.of(System.getProperty("twemproxy4j.home", "..")).toAbsolutePath().normalize();
    }

    /** The verdict alone ({@code bench/soak --judge}): flat samples pass, a slowly growing RSS fails. */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theVerdictFailsAGrowingMetricAndPassesFlatOnes() throws Exception {
        Path dir = Files.createTempDirectory("t4j-soak-judge-");
        StringBuilder flat = new StringBuilder("t_s,rss_kb,heap_after_gc_kb,direct_kb,fds,curr_connections,"
                + "client_connections,server_connections,queued,requests,cpu_ticks\n");
        StringBuilder growing = new StringBuilder(flat);
        java.util.Random r = new java.util.Random(1);
        for (int t = 0; t <= 1800; t += 10) {
            long rss = 128_000 + r.nextInt(400);   // noise of a few hundred KB, as measured
            String tail = "," + (5_500 + r.nextInt(900)) + ",8218,72,37,30,5," + r.nextInt(40) + "," + t * 3000 + "," + t;
            flat.append(t).append(',').append(rss).append(tail).append('\n');
            growing.append(t).append(',').append(rss + t * 20L).append(tail).append('\n');   // 20 KB/s: 70 MB/h
        }
        Files.writeString(dir.resolve("flat.csv"), flat);
        Files.writeString(dir.resolve("growing.csv"), growing);
        assertEquals(0, judge(dir, "flat.csv"), Files.readString(dir.resolve("flat.csv.out")));
        assertEquals(1, judge(dir, "growing.csv"), Files.readString(dir.resolve("growing.csv.out")));
        assertTrue(Files.readString(dir.resolve("growing.csv.out")).lines()
                .anyMatch(l -> l.startsWith("rss_kb ") && l.endsWith("FAIL")));
    }

    private static int judge(Path dir, String csv) throws Exception {
        Process p = new ProcessBuilder(home().resolve("bench/soak").toString(), "--judge", dir.resolve(csv).toString(),
                "--warmup", "360", "--out", dir.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve(csv + ".out").toFile()).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return p.exitValue();
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void aShortSoakFindsNothingGrowing() throws Exception {
        Path home = home();
        Path out = Files.createTempDirectory("t4j-soak-it-");
        Process p = new ProcessBuilder(List.of(home.resolve("bench/soak").toString(), "--duration",
                Long.toString(SECONDS), "--warmup", Long.toString(SECONDS / 3), "--interval", "5", "--rate", "2000",
                "--conns", "10", "--out", out.toString()))
                .redirectErrorStream(true).redirectOutput(out.resolve("soak.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        try {
            assertTrue(p.waitFor(SECONDS + 300, TimeUnit.SECONDS), "bench/soak did not finish");
        } finally {
            p.destroyForcibly();
        }
        String report = Files.readString(out.resolve("soak.out"), StandardCharsets.UTF_8);
        System.out.println("soak: " + report);
        assertEquals(0, p.exitValue(), report);
        assertTrue(report.contains("load done:") && report.contains("failures=0"), report);

        List<String> rows = Files.readAllLines(out.resolve("samples.csv"));
        assertEquals("t_s,rss_kb,heap_after_gc_kb,direct_kb,fds,curr_connections,client_connections,"
                + "server_connections,queued,requests,cpu_ticks", rows.get(0));
        assertTrue(rows.size() - 1 >= SECONDS / 5 - 2, "too few samples: " + rows);
        long lastRequests = -1;
        for (String row : rows.subList(2, rows.size())) {   // the first sample may precede the load
            String[] f = row.split(",");
            assertEquals(11, f.length, row);
            for (int i : new int[] {1, 2, 3, 4, 5, 6, 7}) {
                assertTrue(Long.parseLong(f[i]) > 0, "column " + i + " empty in " + row);
            }
            long requests = Long.parseLong(f[9]);
            assertTrue(requests > lastRequests, "requests did not advance: " + rows);
            lastRequests = requests;
        }
        String verdict = Files.readString(out.resolve("verdict.txt"), StandardCharsets.UTF_8);
        for (String metric : List.of("rss_kb", "heap_after_gc_kb", "direct_kb", "fds", "curr_connections",
                "client_connections", "server_connections", "queued")) {
            assertTrue(verdict.lines().anyMatch(l -> l.startsWith(metric + " ") && l.endsWith(" ok")), verdict);
        }
    }
}
