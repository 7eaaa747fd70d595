package org.twemproxy4j.core.util;

import java.io.FileNotFoundException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * Mirrors nc_log.[ch]: nutcracker's process-wide logger, with its twelve levels 0 (emerg) .. 11 (pverb), its
 * line format and its operations (reopen for SIGHUP, level up/down for SIGTTIN/SIGTTOU).
 *
 * <p>Each line is {@code [YYYY-MM-DD HH:MM:SS.mmm] File.java:LINE message}, local time, as nutcracker writes
 * {@code [2026-11-25 18:00:00.123] nc.c:187 message}; the source position is the caller's (found by walking
 * the stack, which is only done for a line that is written). A line goes out in one {@code write}, to standard
 * error (the stream given to {@link #init(int, String, PrintStream)}) or appended to the {@code -o} file.
 *
 * <p>Which call logs at which level, as in C:
 * <ul>
 *   <li>{@link #error} is written at every level but 0, as {@code log_error} tests {@code LOG_ALERT};</li>
 *   <li>{@link #warn}, {@link #notice}, {@link #info}, {@link #debug} and {@link #log} test their own level;</li>
 *   <li>{@link #always} ({@code loga}) ignores the level.</li>
 * </ul>
 * Call {@link #enabled(int)} before building a message on a hot path: a disabled level costs one volatile read.
 *
 * <p>Before {@link #init} the logger writes to {@code System.err} at {@link #LOG_NOTICE}.
 *
 * <p>Deviation: nutcracker cuts a line at 256 bytes ({@code LOG_MAX_LEN}); lines are written whole here.
 * Deviation: the lines nutcracker writes from a signal handler carry {@code [.......................]} instead
 * of the time (its clock call is not async-signal-safe); Java handles signals on an ordinary thread, so those
 * lines carry the time too.
 *
 * <p>Thread-safe: any thread may log; lines never interleave.
 */
public final class Log {
    public static final int LOG_EMERG = 0; // system in unusable
    public static final int LOG_ALERT = 1; // action must be taken immediately
    public static final int LOG_CRIT = 2; // critical conditions
    public static final int LOG_ERR = 3; // error conditions
    public static final int LOG_WARN = 4; // warning conditions
    public static final int LOG_NOTICE = 5; // normal but significant condition (default)
    public static final int LOG_INFO = 6; // informational
    public static final int LOG_DEBUG = 7; // debug messages
    public static final int LOG_VERB = 8; // verbose messages
    public static final int LOG_VVERB = 9; // verbose messages on crack
    public static final int LOG_VVVERB = 10; // verbose messages on ganga
    public static final int LOG_PVERB = 11; // periodic verbose messages on crack

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    private static final StackWalker WALKER = StackWalker.getInstance();
    private static final String SELF = Log.class.getName();

    private static volatile int level = LOG_NOTICE; // the only field the hot path reads

    private static final Object LOCK = new Object();
    // guarded by LOCK
    private static String name; // log file name; null: stderr
    private static OutputStream fd; // the open log file; null with a name: reopen failed, lines are dropped
    private static PrintStream stderr = System.err; // where "stderr" lines go
    private static long nerror; // lines that could not be written

    private Log() {
    }

    /** {@link #init(int, String, PrintStream)} with {@code System.err}. */
    public static boolean init(int lvl, String fileName) {
        return init(lvl, fileName, System.err);
    }

    /**
     * Mirrors log_init(): sets the level (clamped to 0..11) and opens {@code fileName} for appending, or
     * writes to {@code err} when it is null or empty. On failure prints
     * {@code opening log file 'F' failed: REASON} to {@code err} and returns false; the logger then keeps
     * its previous destination.
     */
    public static boolean init(int lvl, String fileName, PrintStream err) {
        synchronized (LOCK) {
            OutputStream out = null;
            if (fileName != null && !fileName.isEmpty()) {
                try {
                    out = open(fileName);
                } catch (IOException e) {
                    err.println("opening log file '" + fileName + "' failed: " + strerror(e));
                    err.flush();
                    return false;
                }
            }
            closeQuietly(fd);
            name = out == null ? null : fileName;
            fd = out;
            stderr = err;
            level = clamp(lvl);
            return true;
        }
    }

    /** Mirrors log_deinit(): closes the log file and returns to the initial state (System.err, notice). */
    public static void deinit() {
        synchronized (LOCK) {
            closeQuietly(fd);
            fd = null;
            name = null;
            stderr = System.err;
            level = LOG_NOTICE;
        }
    }

    /**
     * Mirrors log_reopen() (SIGHUP, for logrotate): closes and reopens the log file under its name. A failure
     * is reported on standard error and ignored; lines are dropped until a later reopen succeeds. Does
     * nothing when logging to standard error.
     */
    public static void reopen() {
        synchronized (LOCK) {
            if (name == null) {
                return;
            }
            closeQuietly(fd);
            fd = null;
            try {
                fd = open(name);
            } catch (IOException e) {
                stderr.println("reopening log file '" + name + "' failed, ignored: " + strerror(e));
                stderr.flush();
            }
        }
    }

    /** Mirrors log_level_up() (SIGTTIN): one level more verbose, up to {@link #LOG_PVERB}. */
    public static void levelUp() {
        synchronized (LOCK) {
            if (level < LOG_PVERB) {
                level = level + 1;
                write(position(), "up log level to " + level);
            }
        }
    }

    /** Mirrors log_level_down() (SIGTTOU): one level less verbose, down to {@link #LOG_EMERG}. */
    public static void levelDown() {
        synchronized (LOCK) {
            if (level > LOG_EMERG) {
                level = level - 1;
                write(position(), "down log level to " + level);
            }
        }
    }

    /** Mirrors log_level_set(): clamps to 0..11 and logs the new level. */
    public static void levelSet(int lvl) {
        synchronized (LOCK) {
            level = clamp(lvl);
            write(position(), "set log level to " + level);
        }
    }

    /** The current level. */
    public static int level() {
        return level;
    }

    /** The log file name, or null when logging to standard error. */
    public static String fileName() {
        synchronized (LOCK) {
            return name;
        }
    }

    /** True when lines go to standard error (no {@code -o} file). */
    public static boolean toStderr() {
        synchronized (LOCK) {
            return name == null;
        }
    }

    /** Lines that could not be written since start (nutcracker's {@code nerror}). */
    public static long nerror() {
        synchronized (LOCK) {
            return nerror;
        }
    }

    /** Mirrors log_loggable(): true when a message of {@code lvl} would be written. One volatile read. */
    public static boolean enabled(int lvl) {
        return lvl <= level;
    }

    /** Writes {@code msg} when {@code lvl} is enabled (nutcracker's {@code log_debug(lvl, ...)}). */
    public static void log(int lvl, String msg) {
        if (lvl <= level) {
            write(position(), msg);
        }
    }

    /** Mirrors log_error(): written at every level but {@link #LOG_EMERG} (C tests {@code LOG_ALERT}). */
    public static void error(String msg) {
        if (LOG_ALERT <= level) {
            write(position(), msg);
        }
    }

    /** Mirrors log_warn(). */
    public static void warn(String msg) {
        if (LOG_WARN <= level) {
            write(position(), msg);
        }
    }

    public static void notice(String msg) {
        if (LOG_NOTICE <= level) {
            write(position(), msg);
        }
    }

    public static void info(String msg) {
        if (LOG_INFO <= level) {
            write(position(), msg);
        }
    }

    public static void debug(String msg) {
        if (LOG_DEBUG <= level) {
            write(position(), msg);
        }
    }

    /** Mirrors loga(): written whatever the level. */
    public static void always(String msg) {
        write(position(), msg);
    }

    /** The {@code File.java:LINE} of the first caller outside this class. */
    private static String position() {
        Optional<StackWalker.StackFrame> f = WALKER.walk(s -> s.filter(x -> !x.getClassName().equals(SELF)).findFirst());
        if (f.isEmpty()) {
            return "?:0";
        }
        String file = f.get().getFileName();
        return (file == null ? f.get().getClassName() : file) + ":" + Math.max(0, f.get().getLineNumber());
    }

    /** Formats one line and writes it with one call, as _log() does. */
    private static void write(String position, String msg) {
        StringBuilder sb = new StringBuilder(40 + position.length() + msg.length());
        sb.append('[');
        TIME.formatTo(LocalDateTime.now(), sb);
        sb.append("] ").append(position).append(' ').append(msg).append('\n');
        byte[] line = sb.toString().getBytes(StandardCharsets.UTF_8);
        synchronized (LOCK) {
            if (name == null) {
                stderr.write(line, 0, line.length);
                stderr.flush();
                if (stderr.checkError()) {
                    nerror++;
                }
            } else if (fd == null) {
                nerror++;
            } else {
                try {
                    fd.write(line);
                    fd.flush();
                } catch (IOException e) {
                    nerror++;
                }
            }
        }
    }

    private static OutputStream open(String fileName) throws IOException {
        return new FileOutputStream(fileName, true); // O_WRONLY | O_APPEND | O_CREAT
    }

    private static int clamp(int lvl) {
        return Math.max(LOG_EMERG, Math.min(lvl, LOG_PVERB));
    }

    private static void closeQuietly(OutputStream out) {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                // nothing to do: the file is gone either way
            }
        }
    }

    /**
     * The operating system's words for an I/O failure, as {@code strerror(errno)} would print them
     * ("No such file or directory", "Permission denied", "Is a directory"), taken from the JDK's message.
     */
    public static String strerror(IOException e) {
        String m = e.getMessage();
        if (e instanceof FileSystemException) {
            String r = ((FileSystemException) e).getReason();
            if (r != null) {
                return r;
            }
            if (e instanceof java.nio.file.NoSuchFileException) {
                return "No such file or directory";
            }
            if (e instanceof java.nio.file.AccessDeniedException) {
                return "Permission denied";
            }
            if (e instanceof java.nio.file.FileAlreadyExistsException) {
                return "File exists";
            }
        }
        if (e instanceof FileNotFoundException && m != null && m.endsWith(")")) {
            int open = m.lastIndexOf(" (");
            if (open >= 0) {
                return m.substring(open + 2, m.length() - 1);
            }
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
