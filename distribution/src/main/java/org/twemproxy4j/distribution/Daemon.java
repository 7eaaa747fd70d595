package org.twemproxy4j.distribution;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.twemproxy4j.core.util.Log;

/**
 * Mirrors {@code nc_daemonize()} (nc.c) for a JVM, which cannot fork: {@code -d} starts a second JVM, detached,
 * and the first one exits once the second is up.
 *
 * <p>The parent ({@link #spawn}) re-executes the same {@code java} with the same JVM options, class path, main
 * class and arguments (including {@code -d}, as a forked nutcracker keeps its argv), in a new session through
 * {@code setsid(1)} when the system has it, with standard input from /dev/null and standard output and error
 * to the {@code -o} log file (appended), or to /dev/null without one. It passes the path of a readiness file in
 * the environment variable {@value #ENV}; the child sees it, skips daemonizing and, once its listeners are
 * bound and its pid file written, reports "up" through that file ({@link Child#up}). The parent then exits 0.
 * When the child fails to start it reports the lines it would have printed on standard error and its exit
 * status; the parent prints those lines and exits with that status (1). When the child dies without a report
 * the parent says so and exits 1. There is no time limit: the parent waits as long as the daemon lives and has
 * not reported (a start that hangs, e.g. on a slow name lookup, keeps the parent waiting).
 *
 * <p>Deviations: nutcracker's parent exits at once, before the configuration is even read, so a daemon that
 * cannot start goes unnoticed; here the parent waits and fails. The daemon keeps the working directory (as
 * nutcracker's {@code nc_daemonize(1)} does) but not a cleared umask: files are created with the mode the umask
 * allows (the pid file is set to 0644 explicitly). Without {@code setsid(1)} the daemon stays in the caller's
 * session; SIGHUP then only reopens the log, so a closed terminal does not stop it.
 *
 * <p>Each side is used by one thread.
 */
final class Daemon {
    /** Environment variable naming the readiness file; set only in the daemon child. */
    static final String ENV = "TWEMPROXY4J_DAEMON_READY";

    private static final String UP = "up";
    private static final String FAILED = "failed";
    private static final long POLL_MS = 20;

    private Daemon() {
    }

    /**
     * Parent side: starts the daemon JVM running {@code mainClass} with {@code args} and waits until it is up
     * (returns 0) or has failed (prints why on {@code err}, returns non-zero).
     */
    static int spawn(String mainClass, String[] args, String logFilename, PrintStream err) {
        Path dir;
        try {
            dir = Files.createTempDirectory("twemproxy4j-daemon-");
        } catch (IOException e) {
            err.println("nutcracker: cannot daemonize: no temporary directory: " + Log.strerror(e));
            return 1;
        }
        Path ready = dir.resolve("ready");
        try {
            ProcessBuilder pb = new ProcessBuilder(command(mainClass, args));
            Map<String, String> env = pb.environment();
            env.put(ENV, ready.toString());
            env.remove("JDK_JAVA_OPTIONS"); // already among the JVM options copied into the command
            pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            ProcessBuilder.Redirect out = logFilename == null || logFilename.isEmpty()
                    ? ProcessBuilder.Redirect.DISCARD
                    : ProcessBuilder.Redirect.appendTo(new File(logFilename));
            pb.redirectOutput(out).redirectError(out);
            Process child;
            try {
                child = pb.start();
            } catch (IOException e) {
                err.println("nutcracker: cannot daemonize: " + Log.strerror(e));
                return 1;
            }
            return await(child, ready, err);
        } finally {
            deleteQuietly(ready);
            deleteQuietly(dir.resolve("ready.tmp"));
            deleteQuietly(dir);
        }
    }

    /** Polls the readiness file until the child reports or dies. */
    private static int await(Process child, Path ready, PrintStream err) {
        try {
            for (;;) {
                if (Files.exists(ready)) {
                    return report(ready, err);
                }
                if (child.waitFor(POLL_MS, TimeUnit.MILLISECONDS)) {
                    if (Files.exists(ready)) {
                        return report(ready, err);
                    }
                    err.println("nutcracker: the daemon exited with status " + child.exitValue()
                            + " before it was up");
                    return 1;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("nutcracker: interrupted while waiting for the daemon (pid " + child.pid() + ")");
            return 1;
        }
    }

    /** Reads the child's report: "up PID", or "failed STATUS" followed by what it printed on stderr. */
    private static int report(Path ready, PrintStream err) {
        byte[] b;
        try {
            b = Files.readAllBytes(ready);
        } catch (IOException e) {
            err.println("nutcracker: cannot read the daemon's report: " + Log.strerror(e));
            return 1;
        }
        int nl = 0;
        while (nl < b.length && b[nl] != '\n') {
            nl++;
        }
        String[] head = new String(b, 0, nl, StandardCharsets.UTF_8).split(" ");
        if (head[0].equals(UP)) {
            return 0;
        }
        int rest = Math.min(nl + 1, b.length);
        err.write(b, rest, b.length - rest);
        err.flush();
        int status = 1;
        if (head.length > 1) {
            try {
                status = Integer.parseInt(head[1]);
            } catch (NumberFormatException e) {
                status = 1;
            }
        }
        return status == 0 ? 1 : status;
    }

    /** {@code [setsid] java <JVM options> -cp <class path> <main class> <args>} of this very JVM. */
    static List<String> command(String mainClass, String[] args) {
        List<String> cmd = new ArrayList<>();
        String setsid = setsid();
        if (setsid != null) {
            cmd.add(setsid);
        }
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp") && !a.equals("-Xdebug")) {
                cmd.add(a); // a debugger port cannot be bound twice
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** setsid(1)'s path, or null when the system has none. */
    static String setsid() {
        for (String p : new String[] {"/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid", "/sbin/setsid"}) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        return null;
    }

    /** The child side, when this JVM is the daemon (null otherwise). */
    static Child child(Map<String, String> env, PrintStream stderr) {
        String ready = env.get(ENV);
        if (ready == null || ready.isEmpty()) {
            return null;
        }
        return new Child(Path.of(ready), stderr);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temporary file; nothing else to do
        }
    }

    /**
     * The daemon's end: a standard error that also keeps a copy of what is printed until the daemon reports,
     * and the report itself, written once, atomically (a temporary file renamed into place).
     */
    static final class Child {
        private final Path ready;
        private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
        private final PrintStream err;
        private boolean reported;

        Child(Path ready, PrintStream stderr) {
            this.ready = ready;
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (Child.this) {
                        if (!reported) {
                            copy.write(b, off, len);
                        }
                    }
                    stderr.write(b, off, len);
                }

                @Override
                public void flush() {
                    stderr.flush();
                }
            };
            this.err = new PrintStream(tee, true, StandardCharsets.UTF_8);
        }

        /** Standard error for the daemon: its real one (/dev/null or the log) plus the copy for the parent. */
        PrintStream err() {
            return err;
        }

        /** Reports that the daemon is up: the parent exits 0. */
        void up(long pid) {
            write((UP + " " + pid + "\n").getBytes(StandardCharsets.UTF_8));
        }

        /** Reports a failed start with {@code status}, passing on what was printed on standard error. */
        void failed(int status) {
            err.flush();
            byte[] printed;
            synchronized (this) {
                printed = copy.toByteArray();
            }
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes((FAILED + " " + status + "\n").getBytes(StandardCharsets.UTF_8));
            b.writeBytes(printed);
            write(b.toByteArray());
        }

        boolean reported() {
            synchronized (this) {
                return reported;
            }
        }

        private void write(byte[] content) {
            synchronized (this) {
                if (reported) {
                    return;
                }
                reported = true;
                copy.reset();
            }
            Path tmp = ready.resolveSibling(ready.getFileName() + ".tmp");
            try {
                Files.write(tmp, content);
                try {
                    Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, ready, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                Log.error("reporting to the parent through '" + ready + "' failed: " + Log.strerror(e));
            }
        }
    }
}
