package org.twemproxy4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.twemproxy4j.it.fixture.Ports;
import org.twemproxy4j.it.fixture.RedisServer;
import org.twemproxy4j.it.fixture.Resp;

/**
 * The packaged daemon as an operator receives it: the tarball built in the package phase, unpacked with
 * {@code tar} away from the source tree, and run through its {@code bin/twemproxy4j} with nothing but a Java
 * runtime and the basic POSIX tools in the environment (no Maven: a {@code mvn} on the PATH that would leave a
 * trace if called; no source tree: the launcher's command line is checked). Checks the layout and the jars
 * against the launcher jar's manifest, the examples (systemd unit, logrotate), {@code -V} and {@code -t}
 * (including which working directory a relative configuration path is read from), how the Java runtime is
 * chosen, and a real run: a SET/GET round trip to a redis-server through the proxy started from another
 * directory, then SIGTERM, a clean exit 0 and the pid file removed.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PackagingIT {
    private static final String MAIN = "org.twemproxy4j.distribution.Nutcracker";
    private static final List<String> JVM_DEFAULTS = List.of("-Xms8m", "-Xmx512m", "-Xmn4m", "-XX:+UseSerialGC",
            "-XX:MaxMetaspaceSize=64m", "-XX:ReservedCodeCacheSize=64m", "-XX:CICompilerCount=2",
            "-XX:-UsePerfData", "-XX:-UseNotificationThread", "-XX:TrimNativeHeapInterval=5000",
            "-XX:MaxDirectMemorySize=2g", "-Dio.netty.leakDetection.level=disabled");
    /** The list of classes a start loads, from which the launcher makes its AppCDS archive. */
    private static final String CLASS_LIST = "twemproxy4j.classlist";
    /** The archives the launcher makes (one per Java runtime), at its first run. */
    private static final String ARCHIVE = "twemproxy4j-[0-9]+\\.jsa";

    @TempDir
    static Path root;

    private static Path repo;
    private static Path tarball;
    private static String version;
    private static Path home; // the unpacked twemproxy4j-<version>/

    /** Per test: a directory with a {@code java} wrapper and a {@code mvn} trap, and another working directory. */
    private Path fakeBin;
    private Path work;
    private final List<Process> started = new ArrayList<>();

    @BeforeAll
    static void unpack() throws Exception {
        repo = Path.of(System.getProperty("twemproxy4j.home", "..")).toRealPath();
        tarball = findTarball();
        String name = tarball.getFileName().toString();
        version = name.substring("twemproxy4j-".length(), name.length() - ".tar.gz".length());
        Path into = Files.createDirectories(root.resolve("unpacked"));
        Result r = run(into, Map.of("PATH", "/usr/bin:/bin"), "tar", "-xzf", tarball.toString(), "-C", into.toString());
        assertEquals(0, r.status, r.output);
        try (Stream<Path> top = Files.list(into)) {
            List<String> names = top.map(p -> p.getFileName().toString()).collect(Collectors.toList());
            assertEquals(List.of("twemproxy4j-" + version), names, "the tarball has one top directory");
        }
        home = into.resolve("twemproxy4j-" + version).toRealPath();
    }

    /** The system property set by the build, else the one tarball in distribution/target. */
    private static Path findTarball() throws IOException {
        String given = System.getProperty("twemproxy4j.tarball");
        if (given != null && !given.isEmpty()) {
            Path p = Path.of(given);
            assertTrue(Files.isRegularFile(p), "no tarball at " + p + ": run the package phase first");
            return p.toRealPath();
        }
        try (Stream<Path> files = Files.list(repo.resolve("distribution/target"))) {
            List<Path> found = files.filter(p -> p.getFileName().toString().matches("twemproxy4j-.+\\.tar\\.gz"))
                    .collect(Collectors.toList());
            assertEquals(1, found.size(), "expected exactly one tarball in distribution/target: " + found);
            return found.get(0).toRealPath();
        }
    }

    @AfterEach
    void killEverything() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly); // a JVM the launcher did not exec into
            p.destroyForcibly();
        }
    }

    @Test
    void layoutHoldsTheLauncherConfigurationJarsReadmeAndExamples() throws Exception {
        Set<String> files = new TreeSet<>();
        try (Stream<Path> all = Files.walk(home)) {
            all.filter(Files::isRegularFile).forEach(p -> files.add(home.relativize(p).toString()));
        }
        Set<String> libs = files.stream().filter(f -> f.startsWith("lib/")).map(f -> f.substring(4))
                .filter(f -> !f.matches(ARCHIVE)) // made by the launcher at its first run, not packaged
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(libs.remove(CLASS_LIST), "the AppCDS class list is packaged: " + libs);
        assertTrue(Files.readAllLines(home.resolve("lib").resolve(CLASS_LIST)).contains(MAIN.replace('.', '/')),
                "the class list names the main class");
        Set<String> others = new TreeSet<>(files);
        others.removeIf(f -> f.startsWith("lib/"));
        assertEquals(new TreeSet<>(List.of("README.md", "bin/twemproxy4j", "conf/nutcracker.yml",
                "logrotate/twemproxy4j", "systemd/twemproxy4j.service")), others);

        Path bin = home.resolve("bin/twemproxy4j");
        assertTrue(Files.isExecutable(bin), "bin/twemproxy4j is executable");
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(bin)));
        assertEquals("rw-r--r--",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("conf/nutcracker.yml"))));
        String script = Files.readString(bin);
        assertTrue(script.startsWith("#!/bin/sh\n"), "a POSIX sh script with unix line ends");
        assertFalse(script.contains("\r"), "no CR in the script");
        assertFalse(script.contains(repo.toString()), "the launcher does not refer to the source tree");
        assertFalse(script.matches("(?s).*\\bmvn\\b.*"), "the launcher does not run Maven");

        assertEquals(Files.readString(repo.resolve("conf/nutcracker.yml")), Files.readString(home.resolve("conf/nutcracker.yml")));
        assertEquals(Files.readString(repo.resolve("README.md")), Files.readString(home.resolve("README.md")));

        // lib/ is the launcher jar and exactly what its manifest's Class-Path names
        String launcherJar = null;
        Set<String> classPath = new TreeSet<>();
        for (String lib : libs) {
            assertTrue(lib.endsWith(".jar"), "only jars in lib/: " + lib);
            try (JarFile jar = new JarFile(home.resolve("lib").resolve(lib).toFile())) {
                Manifest m = jar.getManifest();
                if (m != null && MAIN.equals(m.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS))) {
                    assertEquals(null, launcherJar, "one launcher jar");
                    launcherJar = lib;
                    for (String entry : m.getMainAttributes().getValue(Attributes.Name.CLASS_PATH).trim().split("\\s+")) {
                        assertTrue(entry.startsWith("lib/"), entry);
                        classPath.add(entry.substring(4));
                    }
                    assertNotNull(jar.getEntry(MAIN.replace('.', '/') + ".class"));
                }
            }
        }
        assertEquals("twemproxy4j-" + version + ".jar", launcherJar);
        Set<String> expected = new TreeSet<>(classPath);
        expected.add(launcherJar);
        assertEquals(expected, libs, "lib/ holds the launcher jar and every runtime dependency, nothing else");
        assertTrue(libs.stream().anyMatch(l -> l.startsWith("core-")) && libs.stream().anyMatch(l -> l.startsWith("snakeyaml-")),
                "the modules and third-party jars are there: " + libs);
    }

    @Test
    void systemdUnitRunsInTheForegroundAndReloadReopensTheLog() throws Exception {
        Map<String, List<String>> unit = new HashMap<>();
        for (String line : Files.readAllLines(home.resolve("systemd/twemproxy4j.service"))) {
            int eq = line.indexOf('=');
            if (!line.startsWith("#") && eq > 0) {
                unit.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        assertEquals(List.of("simple"), unit.get("Type"));
        String start = unit.get("ExecStart").get(0);
        List<String> words = Arrays.asList(start.split("\\s+"));
        assertTrue(words.get(0).endsWith("/bin/twemproxy4j"), start);
        assertTrue(start.contains("-c /etc/twemproxy4j/nutcracker.yml"), start);
        assertTrue(start.contains("-o /var/log/twemproxy4j/twemproxy4j.log"), start);
        assertFalse(words.contains("-d") || words.contains("--daemonize"), "foreground under systemd: " + start);
        assertEquals(List.of("/bin/kill -USR1 $MAINPID"), unit.get("ExecReload"));
        assertEquals(List.of("on-failure"), unit.get("Restart"));
        String user = unit.get("User").get(0);
        assertFalse(user.isEmpty() || user.equals("root"), "a dedicated user: " + user);
        assertTrue(Long.parseLong(unit.get("LimitNOFILE").get(0)) >= 4096);

        String rotate = Files.readString(home.resolve("logrotate/twemproxy4j"));
        assertTrue(rotate.contains("/var/log/twemproxy4j/"), rotate);
        int post = rotate.indexOf("postrotate");
        int end = rotate.indexOf("endscript");
        assertTrue(post > 0 && end > post, rotate);
        assertTrue(rotate.substring(post, end).contains("HUP"), "postrotate sends SIGHUP: " + rotate);
    }

    @Test
    void versionAndTestConfWithJavaOnThePathAndNoMaven() throws Exception {
        setUpDirs();
        Map<String, String> env = env(fakeBin + ":/usr/bin:/bin");

        Result v = run(work, env, home.resolve("bin/twemproxy4j").toString(), "-V");
        assertEquals(0, v.status, v.output);
        assertTrue(v.output.startsWith("This is nutcracker-0.5.0"), v.output);
        assertTrue(Files.exists(fakeBin.resolve("java.used")), "the java on the PATH ran");

        // no -c: the package's conf/nutcracker.yml (nutcracker's relative default, read from the package home)
        Result t = run(work, env, home.resolve("bin/twemproxy4j").toString(), "-t");
        assertEquals(0, t.status, t.output);
        assertTrue(t.output.contains("configuration file 'conf/nutcracker.yml' syntax is ok"), t.output);

        // -c: relative to the caller's working directory, in each spelling getopt accepts
        Files.writeString(work.resolve("good.yml"), redisYaml(Ports.free(), "127.0.0.1:6379"));
        Files.writeString(work.resolve("bad.yml"), "alpha:\n  listen: 127.0.0.1\n");
        for (List<String> args : List.of(List.of("-t", "-c", "good.yml"), List.of("-tcgood.yml"),
                List.of("--conf=good.yml", "-t"), List.of("-t", "--conf-file", "good.yml"))) {
            Result ok = run(work, env, cmd(args));
            assertEquals(0, ok.status, args + ": " + ok.output);
            assertTrue(ok.output.contains("configuration file 'good.yml' syntax is ok"), args + ": " + ok.output);
        }
        Result bad = run(work, env, cmd(List.of("-t", "-c", "bad.yml")));
        assertEquals(1, bad.status, bad.output);
        assertTrue(bad.output.contains("configuration file 'bad.yml' syntax is invalid"), bad.output);
        // an option's value that looks like -c is not -c: the package default again
        Result value = run(work, env, cmd(List.of("-t", "-o", "-c")));
        assertEquals(0, value.status, value.output);
        assertTrue(value.output.contains("'conf/nutcracker.yml' syntax is ok"), value.output);

        assertFalse(Files.exists(fakeBin.resolve("mvn.used")), "the launcher never runs Maven");
    }

    @Test
    @Timeout(180)
    void theFirstRunMakesTheClassDataSharingArchiveAndLaterRunsMapIt() throws Exception {
        setUpDirs();
        Map<String, String> env = env(fakeBin + ":/usr/bin:/bin");
        Set<Path> before = archives();
        Result first = run(work, env, cmd(List.of("-V")));
        assertEquals(0, first.status, first.output);
        assertTrue(first.output.startsWith("This is nutcracker-0.5.0\nasync event backend: "), first.output);
        Set<Path> made = archives();
        made.removeAll(before);
        assertEquals(1, made.size(), "one archive for this Java runtime: " + archives());
        Path archive = made.iterator().next();
        assertTrue(Files.size(archive) > 1_000_000, "a real archive");
        java.nio.file.attribute.FileTime madeAt = Files.getLastModifiedTime(archive);

        // -Xshare:on makes a JVM that cannot map the archive (wrong class path, other JVM) exit with an error
        env.put("JAVA_OPTS", "-Xshare:on");
        Result mapped = run(work, env, cmd(List.of("-V")));
        assertEquals(0, mapped.status, mapped.output);
        assertEquals(first.output, mapped.output, "the same output, nothing about the archive");
        Result conf = run(work, env, cmd(List.of("-t")));
        assertEquals(0, conf.status, conf.output);
        assertTrue(conf.output.contains("syntax is ok"), conf.output);
        assertEquals(madeAt, Files.getLastModifiedTime(archive), "made once"); // (other tests' fake runtimes make theirs)
    }

    @Test
    void javaHomeIsPreferredAndAnOldRuntimeIsRefused() throws Exception {
        setUpDirs();
        Path jdk = Files.createDirectories(root.resolve("fake-jdk-" + System.nanoTime()));
        Path marker = jdk.resolve("java.used");
        javaWrapper(jdk.resolve("bin"), marker);
        Map<String, String> env = env(fakeBin + ":/usr/bin:/bin");
        env.put("JAVA_HOME", jdk.toString());

        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.99\"\n");
        Result v = run(work, env, cmd(List.of("-V")));
        assertEquals(0, v.status, v.output);
        assertTrue(v.output.startsWith("This is nutcracker-0.5.0"), v.output);
        assertTrue(Files.exists(marker), "JAVA_HOME's java ran");
        assertFalse(Files.exists(fakeBin.resolve("java.used")), "not the java on the PATH");
        Files.delete(marker);

        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"11.0.2\"\n");
        Result old = run(work, env, cmd(List.of("-V")));
        assertEquals(1, old.status, old.output);
        assertTrue(old.output.contains("Java 17"), old.output);
        assertFalse(Files.exists(marker), "a Java 11 runtime is not started");

        env.put("JAVA_HOME", root.resolve("no-such-jdk").toString());
        Result none = run(work, env, cmd(List.of("-V")));
        assertEquals(1, none.status, none.output);
        assertTrue(none.output.startsWith("twemproxy4j: JAVA_HOME"), none.output);
    }

    @Test
    void servesRedisFromAnotherDirectoryAndStopsCleanlyOnSigterm() throws Exception {
        setUpDirs();
        try (RedisServer redis = RedisServer.start()) {
            int listen = Ports.free();
            int stats = Ports.free();
            Files.writeString(work.resolve("redis.yml"), redisYaml(listen, redis.address()));
            Map<String, String> env = env(fakeBin + ":/usr/bin:/bin");
            env.put("JAVA_OPTS", "-Dtwemproxy4j.packaging.it=yes -Xss1m");
            ProcessBuilder pb = new ProcessBuilder(cmd(List.of("-c", "redis.yml", "-p", "twemproxy4j.pid",
                    "-o", "twemproxy4j.log", "-s", Integer.toString(stats), "-a", "127.0.0.1")))
                    .directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("launcher.out").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            started.add(p);
            Ports.awaitAccepting(listen, 30_000, p, "packaged twemproxy4j");

            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listen), 2000);
                s.setSoTimeout(5000);
                OutputStream out = s.getOutputStream();
                InputStream in = s.getInputStream();
                out.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("+OK\r\n", new String(Resp.readReply(in), StandardCharsets.US_ASCII));
                out.write("*2\r\n$3\r\nGET\r\n$1\r\nk\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                assertEquals("$1\r\nv\r\n", new String(Resp.readReply(in), StandardCharsets.US_ASCII));
            }
            assertEquals("$1\r\nv\r\n", redis.command("GET", "k"), "the value reached the backend");

            // the script exec'ed the JVM: one pid, written to the pid file relative to the caller's directory
            Path pidFile = work.resolve("twemproxy4j.pid");
            assertEquals(Long.toString(p.pid()), Files.readString(pidFile).trim());
            assertTrue(Files.exists(work.resolve("twemproxy4j.log")), "-o relative to the caller's directory");

            List<String> argv = commandLine(p.pid());
            int xmx = argv.indexOf("-Xmx512m");
            assertTrue(argv.containsAll(JVM_DEFAULTS), "the JVM defaults: " + argv);
            assertTrue(xmx >= 0 && argv.indexOf("-Dtwemproxy4j.packaging.it=yes") > xmx
                    && argv.indexOf("-Xss1m") > xmx, "JAVA_OPTS after the defaults: " + argv);
            int cp = argv.indexOf("-cp");
            assertTrue(cp > 0, argv.toString());
            assertEquals(classPath(), argv.get(cp + 1), "every jar of lib/, in byte order");
            String archive = argv.stream().filter(a -> a.startsWith("-XX:SharedArchiveFile=")).findFirst()
                    .orElseThrow(() -> new AssertionError("no AppCDS archive: " + argv));
            assertTrue(Path.of(archive.substring(archive.indexOf('=') + 1)).getFileName().toString().matches(ARCHIVE),
                    archive);
            assertEquals(MAIN, argv.get(cp + 2));
            assertEquals(List.of("-c", "redis.yml", "-p", "twemproxy4j.pid", "-o", "twemproxy4j.log", "-s",
                    Integer.toString(stats), "-a", "127.0.0.1"), argv.subList(cp + 3, argv.size()), "arguments as given");
            for (String a : argv) {
                assertFalse(a.contains(repo.toString()), "nothing from the source tree: " + a);
            }

            Result kill = run(work, env, "kill", "-TERM", Long.toString(p.pid()));
            assertEquals(0, kill.status, kill.output);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped after SIGTERM");
            assertEquals(0, p.exitValue(), Files.readString(work.resolve("launcher.out")));
            assertFalse(Files.exists(pidFile), "pid file removed");
            assertFalse(Files.exists(fakeBin.resolve("mvn.used")), "the launcher never runs Maven");
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private void setUpDirs() throws IOException {
        Path dir = Files.createTempDirectory(root, "run-");
        fakeBin = Files.createDirectories(dir.resolve("bin"));
        work = Files.createDirectories(dir.resolve("work"));
        javaWrapper(fakeBin, fakeBin.resolve("java.used"));
        Path mvn = fakeBin.resolve("mvn");
        Files.writeString(mvn, "#!/bin/sh\n: > '" + fakeBin.resolve("mvn.used") + "'\nexit 1\n");
        mvn.toFile().setExecutable(true);
    }

    /** {@code dir/java}: leaves {@code marker} and runs this JVM's java (so it is not a link to a JDK). */
    private static void javaWrapper(Path dir, Path marker) throws IOException {
        Files.createDirectories(dir);
        Path java = dir.resolve("java");
        String real = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Files.writeString(java, "#!/bin/sh\n: > '" + marker + "'\nexec '" + real + "' \"$@\"\n");
        assertTrue(java.toFile().setExecutable(true));
    }

    /** The AppCDS archives in lib/. */
    private static Set<Path> archives() throws IOException {
        try (Stream<Path> l = Files.list(home.resolve("lib"))) {
            return l.filter(p -> p.getFileName().toString().matches(ARCHIVE))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The class path the launcher gives: every jar of lib/, sorted by byte value, joined by ':'. */
    private static String classPath() throws IOException {
        try (Stream<Path> l = Files.list(home.resolve("lib"))) {
            return l.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted()
                    .map(n -> home.resolve("lib").resolve(n).toString()).collect(Collectors.joining(":"));
        }
    }

    /** A clean environment: the PATH given, HOME; no JAVA_HOME, no Maven or class path variables. */
    private static Map<String, String> env(String path) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", path);
        env.put("HOME", root.toString());
        return env;
    }

    private static String[] cmd(List<String> args) {
        List<String> c = new ArrayList<>();
        c.add(home.resolve("bin/twemproxy4j").toString());
        c.addAll(args);
        return c.toArray(new String[0]);
    }

    private static String redisYaml(int listen, String server) {
        return "alpha:\n  listen: 127.0.0.1:" + listen + "\n  redis: true\n  hash: fnv1a_64\n"
                + "  distribution: ketama\n  timeout: 2000\n  servers:\n   - " + server + ":1\n";
    }

    /** The process's argv from /proc (the JVM's, since the launcher exec'ed it). */
    private static List<String> commandLine(long pid) throws IOException {
        byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
        String s = new String(raw, StandardCharsets.UTF_8);
        if (s.endsWith("\0")) {
            s = s.substring(0, s.length() - 1);
        }
        return Arrays.asList(s.split("\0", -1));
    }

    private static final class Result {
        final int status;
        final String output;

        Result(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    /** Runs a command to its end (60 s at most) in {@code dir} with exactly {@code env}; output and error merged. */
    private static Result run(Path dir, Map<String, String> env, String... command) throws Exception {
        Path out = Files.createTempFile(root, "out-", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError(Arrays.toString(command) + " did not finish: " + Files.readString(out));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
