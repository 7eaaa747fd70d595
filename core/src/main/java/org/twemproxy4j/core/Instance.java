package org.twemproxy4j.core;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Mirrors {@code struct instance} (nc_core.h): the options one nutcracker process runs with, as parsed from
 * the command line by the launcher, plus the process facts nutcracker keeps beside them (host name, pid).
 * The defaults are upstream nutcracker's ({@code nc_set_default_options()} in nc.c), not a distribution's.
 *
 * <p>Immutable; thread-safe.
 */
public final class Instance {
    public static final String NC_CONF_PATH = "conf/nutcracker.yml";
    public static final int NC_LOG_DEFAULT = 5; // LOG_NOTICE
    public static final int NC_LOG_MIN = 0; // LOG_EMERG
    public static final int NC_LOG_MAX = 11; // LOG_PVERB
    public static final int NC_STATS_PORT = 22222;
    public static final String NC_STATS_ADDR = "0.0.0.0";
    public static final int NC_STATS_INTERVAL = 30_000; // msec
    public static final int NC_MBUF_SIZE = 16384;
    public static final int NC_MBUF_MIN_SIZE = 512;
    public static final int NC_MBUF_MAX_SIZE = 16777216;
    public static final int NC_MAXHOSTNAMELEN = 256;

    public final String confFilename; // -c
    public final int logLevel; // -v, as given (the logger clamps it to NC_LOG_MIN..NC_LOG_MAX)
    public final String logFilename; // -o; null: stderr
    public final int statsPort; // -s, 1..65535
    public final String statsAddr; // -a, not resolved yet
    public final int statsInterval; // -i, msec, >= 0
    public final String pidFilename; // -p; null: no pid file
    public final int mbufChunkSize; // -m, NC_MBUF_MIN_SIZE..NC_MBUF_MAX_SIZE
    public final String hostname; // gethostname(), "unknown" when it cannot be read (stats "source")
    public final long pid; // this process
    public final CoreSettings settings; // twemproxy4j's own options (--client-max-pending ...)

    public Instance(String confFilename, int logLevel, String logFilename, int statsPort, String statsAddr,
            int statsInterval, String pidFilename, int mbufChunkSize) {
        this(confFilename, logLevel, logFilename, statsPort, statsAddr, statsInterval, pidFilename, mbufChunkSize,
                localHostname(), ProcessHandle.current().pid());
    }

    public Instance(String confFilename, int logLevel, String logFilename, int statsPort, String statsAddr,
            int statsInterval, String pidFilename, int mbufChunkSize, String hostname, long pid) {
        this(confFilename, logLevel, logFilename, statsPort, statsAddr, statsInterval, pidFilename, mbufChunkSize,
                hostname, pid, CoreSettings.defaults());
    }

    private Instance(String confFilename, int logLevel, String logFilename, int statsPort, String statsAddr,
            int statsInterval, String pidFilename, int mbufChunkSize, String hostname, long pid,
            CoreSettings settings) {
        this.settings = Objects.requireNonNull(settings);
        this.confFilename = Objects.requireNonNull(confFilename);
        this.logLevel = logLevel;
        this.logFilename = logFilename;
        this.statsPort = statsPort;
        this.statsAddr = Objects.requireNonNull(statsAddr);
        this.statsInterval = statsInterval;
        this.pidFilename = pidFilename;
        this.mbufChunkSize = mbufChunkSize;
        this.hostname = Objects.requireNonNull(hostname);
        this.pid = pid;
    }

    /** This instance with twemproxy4j's own options {@code s}. */
    public Instance with(CoreSettings s) {
        return new Instance(confFilename, logLevel, logFilename, statsPort, statsAddr, statsInterval, pidFilename,
                mbufChunkSize, hostname, pid, s);
    }

    /** The defaults of nutcracker's command line. */
    public static Instance defaults() {
        return new Instance(NC_CONF_PATH, NC_LOG_DEFAULT, null, NC_STATS_PORT, NC_STATS_ADDR, NC_STATS_INTERVAL,
                null, NC_MBUF_SIZE);
    }

    /**
     * The kernel's host name, as gethostname(2) gives it (mirrors {@code nc_gethostname()}): read from
     * /proc where there is one, else asked of the JDK; "unknown" when neither works, as nutcracker falls back.
     * Cut to {@link #NC_MAXHOSTNAMELEN} - 1 characters.
     */
    public static String localHostname() {
        String name = null;
        try {
            Path proc = Path.of("/proc/sys/kernel/hostname");
            if (Files.isReadable(proc)) {
                name = Files.readString(proc, StandardCharsets.UTF_8).trim();
            }
        } catch (IOException | RuntimeException e) {
            name = null;
        }
        if (name == null || name.isEmpty()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException | RuntimeException e) {
                name = null;
            }
        }
        if (name == null || name.isEmpty()) {
            name = "unknown";
        }
        return name.length() >= NC_MAXHOSTNAMELEN ? name.substring(0, NC_MAXHOSTNAMELEN - 1) : name;
    }

    @Override
    public String toString() {
        return "Instance{conf=" + confFilename + ", log=" + (logFilename == null ? "stderr" : logFilename)
                + " level " + logLevel + ", stats=" + statsAddr + ":" + statsPort + " every " + statsInterval
                + " ms, pid file=" + (pidFilename == null ? "off" : pidFilename) + ", mbuf=" + mbufChunkSize
                + ", host=" + hostname + ", pid=" + pid + ", " + settings + "}";
    }
}
