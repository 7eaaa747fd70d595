package org.twemproxy4j.distribution;

import com.codahale.metrics.MetricRegistry;
import com.google.inject.AbstractModule;
import com.google.inject.CreationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Module;
import com.google.inject.Provides;
import com.google.inject.ProvisionException;
import com.google.inject.Singleton;
import com.google.inject.spi.Message;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.CoreModule;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.Reloader;
import org.twemproxy4j.core.Signals;
import org.twemproxy4j.core.StatsBridge;
import org.twemproxy4j.core.Workers;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfException;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.proto.memcache.MemcacheModule;
import org.twemproxy4j.proto.redis.RedisModule;
import org.twemproxy4j.stats.PrometheusEndpoint;
import org.twemproxy4j.stats.Stats;
import org.twemproxy4j.stats.StatsDescribe;
import org.twemproxy4j.stats.StatsListener;
import org.twemproxy4j.stats.StatsModule;

/**
 * Mirrors nc.c: the {@code nutcracker} command. Reads nutcracker's command line ({@link NcOptions}), then
 * <ol>
 *   <li>{@code --locate ...}: hands the whole command line to {@link Locate} (twemproxy4j only);</li>
 *   <li>{@code -V}, {@code -h}, {@code -D}: the version lines, then the usage and/or the stats description
 *       ({@link StatsDescribe}), exit 0;</li>
 *   <li>{@code -t}: reads and validates the configuration, prints the verdict, exit 0 or 1;</li>
 *   <li>otherwise runs the proxy: opens the log ({@code -o}, {@code -v}), daemonizes ({@code -d},
 *       {@link Daemon}), installs the signal handlers ({@link Signals}), writes the pid file ({@code -p}), logs
 *       the start lines, reads the configuration, builds one Guice injector from one module per Maven module
 *       (this launcher's, which binds the {@link Instance} and the {@link Conf}; {@link CoreModule};
 *       {@link StatsModule}; the protocol modules, each adding its {@code Proto} to the core's
 *       {@code MapBinder}), binds the stats port ({@link StatsListener} on {@code -a}:{@code -s}, before the
 *       pools' listeners, as nutcracker's core_ctx_create() does) and, with {@code --prometheus-port}, the
 *       Prometheus endpoint ({@link PrometheusEndpoint}), starts the {@link Core} and runs its loop on the main
 *       thread until SIGINT or SIGTERM; then closes the stats listeners, removes the pid file and exits 0.</li>
 * </ol>
 *
 * <p>What is printed is nutcracker's, byte for byte where it can be: every message and exit status of the
 * command line; the version lines ({@code This is nutcracker-0.5.0}, kept so that scripts parsing them work
 * unchanged; the event backend line names the selector the JDK really uses, {@code epoll} on Linux and
 * {@code kqueue} on BSD/macOS, so {@code -V} and {@code -D} are identical to nutcracker's on Linux); the usage
 * text, including its CRLF line ends, but with upstream's defaults (stderr, conf/nutcracker.yml, off) where a
 * Debian build prints its own paths, and one more line for {@code --locate}. All of it goes to standard error,
 * as nutcracker writes it.
 *
 * <p>Deviations, each a fix of a reported nutcracker defect or a consequence of the JVM:
 * <ul>
 *   <li>{@code -t} on a bad configuration also prints the reason (file, line, pool, directive, value) on the
 *       line before the verdict; the verdict lines and exit status are nutcracker's.</li>
 *   <li>SIGTERM (ignored by nutcracker, which then dies without removing its pid file) and SIGINT (nutcracker:
 *       {@code exit(1)}, pid file left) stop the proxy cleanly: the pid file is removed, "done, rabbit done" is
 *       logged and the exit status is 0.</li>
 *   <li>A failed start (configuration refused, pid file or listen address unusable) says why in one line on
 *       standard error, {@code nutcracker: REASON}, and in the log file when there is one; never a stack
 *       trace. nutcracker only logs it.</li>
 *   <li>{@code -d}: see {@link Daemon}; the parent waits until the daemon is up and fails when it does not come
 *       up.</li>
 * </ul>
 *
 * <p>Thread-safe where it must be: {@link #requestStop()} may be called from any thread (a signal handler);
 * everything else runs on the main thread.
 */
public final class Nutcracker {
    /** The version nutcracker reports; twemproxy4j is a drop-in replacement for it. */
    public static final String NC_VERSION_STRING = "0.5.0";

    /** What the launcher runs: the {@link Core} in production, a stand-in in tests. */
    interface Service extends AutoCloseable {
        /** Binds the listeners; the exception's message is the one-line reason. */
        void start() throws IOException;

        /** Runs until {@link #stop()}. */
        void loop();

        /** Thread-safe. */
        void stop();

        @Override
        void close();

        /** The stats the service's loop feeds, served on the stats port; null: no stats port (test stand-ins). */
        default Stats stats() {
            return null;
        }

        /** Thread-safe, non-blocking: rereads the configuration file and applies it (SIGUSR1). */
        default void reload() {
        }
    }

    /** Builds the {@link Service} for a configuration. */
    interface ServiceFactory {
        Service create(Instance instance, Conf conf) throws Exception;
    }

    private final PrintStream err; // our standard error (a copy goes to the parent in a daemon child)
    private final PrintStream out;
    private final Map<String, String> env;
    private final ServiceFactory factory;
    private final String mainClass; // re-executed by -d
    private final Daemon.Child child; // non-null in the daemon child
    private final Object lock = new Object();
    private Service service; // guarded by lock
    private boolean stopRequested; // guarded by lock

    Nutcracker(PrintStream out, PrintStream err, Map<String, String> env, ServiceFactory factory, String mainClass) {
        this.env = env;
        this.child = Daemon.child(env, err);
        this.out = out;
        this.err = child != null ? child.err() : err;
        this.factory = factory;
        this.mainClass = mainClass;
    }

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    /** Runs the command with {@code args} (no program name) and returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return new Nutcracker(out, err, System.getenv(), Nutcracker::coreService, Nutcracker.class.getName())
                .execute(args);
    }

    /** The whole command; see the class comment. */
    int execute(String[] args) {
        int status;
        try {
            status = dispatch(args);
        } catch (RuntimeException | Error e) {
            err.println("nutcracker: " + describe(e));
            status = 1;
        }
        if (child != null && !child.reported()) {
            child.failed(status);
        }
        err.flush();
        return status;
    }

    private int dispatch(String[] args) {
        if (NcOptions.wantsLocate(args)) {
            return Locate.run(args, out, err);
        }
        NcOptions o = NcOptions.parse(args, err, env.containsKey("POSIXLY_CORRECT"));
        if (o == null) {
            err.print(NcOptions.usage());
            err.flush();
            return 1;
        }
        if (o.showVersion) {
            err.print(version());
            if (o.showHelp) {
                err.print(NcOptions.usage());
            }
            if (o.describeStats) {
                err.print(StatsDescribe.render());
            }
            err.flush();
            return 0;
        }
        if (o.testConf) {
            return testConf(o.confFilename);
        }
        return runProxy(o);
    }

    /** The lines -V prints: version, event backend, assertions when enabled, then a blank line. */
    static String version() {
        StringBuilder sb = new StringBuilder();
        sb.append("This is nutcracker-").append(NC_VERSION_STRING).append('\n');
        sb.append("async event backend: ").append(eventBackend()).append('\n');
        if (Core.class.desiredAssertionStatus()) {
            sb.append("debugging assertions are enabled (java -ea), nutcracker may be less efficient\n");
        }
        sb.append('\n');
        return sb.toString();
    }

    /** The readiness mechanism under the JDK's selector: epoll, kqueue, poll, ... */
    static String eventBackend() {
        String n = SelectorProvider.provider().getClass().getSimpleName();
        String base = n.endsWith("SelectorProvider") ? n.substring(0, n.length() - "SelectorProvider".length()) : n;
        return base.isEmpty() ? "java.nio" : base.toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * Mirrors nc_test_conf(). On a refused file: the reason, then the verdict line, twice when the file could
     * be opened (nutcracker's conf_create() prints it, then nc_test_conf() again), once when it could not.
     */
    private int testConf(String file) {
        String ok = "nutcracker: configuration file '" + file + "' syntax is ok";
        String invalid = "nutcracker: configuration file '" + file + "' syntax is invalid";
        String reason;
        try {
            Conf.load(Path.of(file));
            err.println(ok);
            err.flush();
            return 0;
        } catch (ConfException e) {
            reason = e.getMessage();
        } catch (InvalidPathException e) {
            reason = file + ": not a valid file name: " + e.getReason();
        }
        err.println("nutcracker: " + reason);
        if (opens(file)) {
            err.println(invalid);
        }
        err.println(invalid);
        err.flush();
        return 1;
    }

    /** True when fopen(file, "r") would succeed, as nutcracker's conf_open() needs. */
    private static boolean opens(String file) {
        try {
            return !file.isEmpty() && Files.isReadable(Path.of(file));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /** nc_pre_run(), nc_run() and nc_post_run(). */
    private int runProxy(NcOptions o) {
        if (!Log.init(o.logLevel, o.logFilename, err)) {
            return 1;
        }
        if (o.daemonize && child == null) {
            Log.deinit();
            return Daemon.spawn(mainClass, o.args, o.logFilename, err);
        }
        Instance instance = o.toInstance();
        Signals signals = Signals.install(this::requestStop);
        boolean pidfile = false;
        Service s = null;
        StatsListener statsListener = null;
        PrometheusEndpoint prometheus = null;
        try {
            if (instance.pidFilename != null) {
                String failure = createPidfile(instance);
                if (failure != null) {
                    return startFailed(failure);
                }
                pidfile = true;
            }
            printRun(instance);

            Conf conf;
            try {
                conf = Conf.load(Path.of(instance.confFilename));
            } catch (ConfException | InvalidPathException e) {
                String reason = e instanceof ConfException ? e.getMessage()
                        : instance.confFilename + ": not a valid file name";
                startFailed(reason);
                err.println("nutcracker: configuration file '" + instance.confFilename + "' syntax is invalid");
                err.flush();
                return 1;
            }
            try {
                s = factory.create(instance, conf);
            } catch (Exception e) {
                return startFailed(describe(e));
            }
            synchronized (lock) {
                service = s;
                if (stopRequested) {
                    s.stop();
                }
            }
            signals.onReload(s::reload);
            Stats stats = s.stats();
            if (stats != null) {
                // stats_create(): the stats port is bound before the pools listen, and a failure stops the start
                statsListener = new StatsListener(stats, instance.statsAddr, instance.statsPort,
                        instance.statsInterval);
                try {
                    statsListener.start();
                } catch (IOException e) {
                    return startFailed(describe(e));
                }
                Log.notice("m listening on '" + instance.statsAddr + ":" + instance.statsPort + "'");
                if (o.prometheusPort > 0) {
                    prometheus = new PrometheusEndpoint(stats, o.prometheusAddr(), o.prometheusPort);
                    try {
                        prometheus.start();
                    } catch (IOException e) {
                        return startFailed(describe(e));
                    }
                    Log.notice("prometheus metrics on 'http://" + o.prometheusAddr() + ":" + o.prometheusPort
                            + PrometheusEndpoint.PATH + "'");
                }
            }
            try {
                s.start();
            } catch (IOException e) {
                return startFailed(describe(e));
            } catch (RuntimeException e) {
                return startFailed(describe(e));
            }
            if (child != null) {
                child.up(instance.pid);
            }
            s.loop();
            return 0;
        } finally {
            if (s != null) {
                try {
                    s.close();
                } catch (RuntimeException e) {
                    Log.error("closing failed, ignored: " + describe(e));
                }
            }
            if (prometheus != null) {
                prometheus.close();
            }
            if (statsListener != null) {
                statsListener.close();
            }
            if (pidfile) {
                removePidfile(instance);
            }
            signals.close();
            Log.always("done, rabbit done");
            Log.deinit();
        }
    }

    /** Thread-safe: asks the running proxy to stop (SIGINT, SIGTERM); before it runs, it will not loop. */
    void requestStop() {
        synchronized (lock) {
            stopRequested = true;
            if (service != null) {
                service.stop();
            }
        }
    }

    /** A failed start: one line on standard error, and the same reason in the log file when there is one. */
    private int startFailed(String reason) {
        if (!Log.toStderr()) {
            Log.error(reason);
        }
        err.println("nutcracker: " + reason);
        err.flush();
        return 1;
    }

    /** Mirrors nc_print_run(). */
    private static void printRun(Instance instance) {
        Log.always("nutcracker-" + NC_VERSION_STRING + " built for " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + " " + machine() + " started on pid " + instance.pid);
        Log.always("run, rabbit run / dig that hole, forget the sun / and when at last the work is done / "
                + "don't sit down / it's time to dig another one");
        Log.notice("twemproxy4j on " + System.getProperty("java.vm.name") + " "
                + System.getProperty("java.runtime.version") + ", conf '" + instance.confFilename + "', mbuf "
                + instance.mbufChunkSize + " bytes");
    }

    /** uname's machine name for the JDK's os.arch (amd64 is x86_64 to uname). */
    static String machine() {
        String arch = System.getProperty("os.arch", "unknown");
        switch (arch) {
            case "amd64":
                return "x86_64";
            case "x86":
            case "i386":
                return "i686";
            default:
                return arch;
        }
    }

    /** Mirrors nc_create_pidfile(): the pid in decimal, no newline, mode 0644. Returns null or the reason. */
    static String createPidfile(Instance instance) {
        String name = instance.pidFilename;
        FileOutputStream f;
        try {
            f = new FileOutputStream(name); // O_WRONLY | O_CREAT | O_TRUNC
        } catch (IOException e) {
            return "opening pid file '" + name + "' failed: " + Log.strerror(e);
        }
        try (f) {
            f.write(Long.toString(instance.pid).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return "write to pid file '" + name + "' failed: " + Log.strerror(e);
        }
        try {
            Files.setPosixFilePermissions(Path.of(name), PosixFilePermissions.fromString("rw-r--r--"));
        } catch (IOException | RuntimeException e) {
            // not a POSIX file system, or not our file: keep the mode it has
        }
        return null;
    }

    /** Mirrors nc_remove_pidfile(). */
    static void removePidfile(Instance instance) {
        try {
            Files.delete(Path.of(instance.pidFilename));
        } catch (IOException e) {
            Log.error("unlink of pid file '" + instance.pidFilename + "' failed, ignored: " + Log.strerror(e));
        }
    }

    /**
     * The production {@link ServiceFactory}: one injector, its {@link Workers} ({@code --workers} cores, one by
     * default, whose loop then runs on the main thread as nutcracker's does).
     */
    static Service coreService(Instance instance, Conf conf) {
        startupDefaults();
        quietNettyLogging();
        Injector injector = Guice.createInjector(modules(instance, conf));
        Workers core = injector.getInstance(Workers.class);
        Stats stats = injector.getInstance(Stats.class);
        Reloader reloader = new Reloader(instance.confFilename, core.cores(), stats);
        return new Service() {
            @Override
            public Stats stats() {
                return stats;
            }

            @Override
            public void reload() {
                reloader.request();
            }

            @Override
            public void start() throws IOException {
                core.start();
            }

            @Override
            public void loop() {
                core.loop();
            }

            @Override
            public void stop() {
                core.stop();
            }

            @Override
            public void close() {
                reloader.close();
                core.close();
            }
        };
    }

    /**
     * Guice settings that shorten the start, each unless set on the command line (-D): no bytecode
     * generation (its fast-class and AOP classes are spun with ASM at the first injection; the launcher uses no
     * method interception, and reflection is as fast for the few calls of a start) and no stack trace
     * of every binding's source (which only an error message would show). Together about a quarter of the
     * start's CPU time.
     */
    static void startupDefaults() {
        setIfAbsent("guice_bytecode_gen_option", "DISABLED");
        setIfAbsent("guice_include_stack_traces", "OFF");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Sends netty's internal logging to java.util.logging (silent below INFO) before netty first logs: netty
     * prefers SLF4J when slf4j-api is on the class path (metrics-core brings it), and slf4j-api without a
     * binding prints a three-line warning on standard error at start.
     */
    static void quietNettyLogging() {
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(
                io.netty.util.internal.logging.JdkLoggerFactory.INSTANCE);
    }

    /**
     * The modules of the one injector, one per Maven module: ours (the command line and the configuration), the
     * core's (which declares the protocol map), the stats', and one per protocol, each adding its {@code Proto}
     * to that map. A third protocol is one more module here.
     */
    static List<Module> modules(Instance instance, Conf conf) {
        return List.of(new LauncherModule(instance, conf), new CoreModule(), new StatsModule(), new RedisModule(),
                new MemcacheModule());
    }

    /** Binds the command line and the configuration, as instances. */
    static final class LauncherModule extends AbstractModule {
        private final Instance instance;
        private final Conf conf;

        LauncherModule(Instance instance, Conf conf) {
            this.instance = instance;
            this.conf = conf;
        }

        @Override
        protected void configure() {
            bind(Instance.class).toInstance(instance);
            bind(Conf.class).toInstance(conf);
        }
    }

    /** One line for a failure: the root cause's message (an IOException's is the reason), no stack trace. */
    static String describe(Throwable t) {
        Throwable root = t;
        if (root instanceof CreationException || root instanceof ProvisionException) {
            for (Message m : root instanceof CreationException ? ((CreationException) root).getErrorMessages()
                    : ((ProvisionException) root).getErrorMessages()) {
                if (m.getCause() != null) {
                    root = m.getCause();
                    break;
                }
            }
            if (root == t) {
                List<Message> ms = new ArrayList<>(root instanceof CreationException
                        ? ((CreationException) root).getErrorMessages()
                        : ((ProvisionException) root).getErrorMessages());
                return ms.isEmpty() ? String.valueOf(t.getMessage()) : oneLine(ms.get(0).getMessage());
            }
        }
        while (root.getCause() != null && root.getCause() != root
                && (root.getMessage() == null || root instanceof java.lang.reflect.InvocationTargetException)) {
            root = root.getCause();
        }
        String m = root.getMessage();
        if (root instanceof IOException && m != null) {
            return oneLine(m);
        }
        return oneLine(m == null ? root.getClass().getName() : root.getClass().getSimpleName() + ": " + m);
    }

    private static String oneLine(String s) {
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
