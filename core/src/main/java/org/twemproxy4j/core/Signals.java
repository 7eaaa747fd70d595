package org.twemproxy4j.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.twemproxy4j.core.util.Log;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Mirrors nc_signal.[ch]: the signals a running proxy answers.
 *
 * <table>
 *   <caption>signal actions</caption>
 *   <tr><th>signal</th><th>nutcracker 0.5.0</th><th>here</th></tr>
 *   <tr><td>SIGHUP</td><td>reopen the log file</td><td>the same ({@link Log#reopen()}, for logrotate)</td></tr>
 *   <tr><td>SIGTTIN</td><td>log level + 1</td><td>the same ({@link Log#levelUp()})</td></tr>
 *   <tr><td>SIGTTOU</td><td>log level - 1</td><td>the same ({@link Log#levelDown()})</td></tr>
 *   <tr><td>SIGUSR1</td><td>logged, nothing else</td><td>reload the configuration file ({@code Reloader})</td></tr>
 *   <tr><td>SIGUSR2</td><td>logged, nothing else</td><td>left to the JVM: HotSpot on Linux suspends threads
 *       with it (JFR's sampler among others), so a handler here would break profiling</td></tr>
 *   <tr><td>SIGINT</td><td>{@code exit(1)} at once (pid file left behind)</td>
 *       <td>clean shutdown: the launcher's callback stops the core; the launcher then removes the pid file
 *       and exits 0</td></tr>
 *   <tr><td>SIGTERM</td><td>not handled: killed, pid file left behind</td><td>as SIGINT</td></tr>
 *   <tr><td>SIGSEGV</td><td>stack trace, core dump</td><td>not applicable: the JVM owns SIGSEGV</td></tr>
 *   <tr><td>SIGPIPE</td><td>ignored</td><td>not applicable: the JVM ignores it and writes fail with an
 *       IOException</td></tr>
 * </table>
 *
 * A second SIGINT or SIGTERM while the clean shutdown is under way ends the process at once with status 1
 * (for a shutdown that hangs), leaving the pid file behind as nutcracker would.
 *
 * <p>Each signal is first logged as nutcracker logs it, whatever the level:
 * {@code signal 21 (SIGTTIN) received, up logging level}.
 *
 * <p>What the JVM lets a program handle (HotSpot 17 on Linux, checked with {@code sun.misc.Signal.handle}):
 * SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU and SIGPIPE can all be handled; SIGQUIT (thread
 * dump) and SIGSEGV are refused ("Signal already used by VM or OS"). With {@code -Xrs} the JVM does not install
 * its own SIGHUP/SIGINT/SIGTERM handlers but still lets these be handled. A signal that cannot be handled on
 * some JVM is logged as a warning and skipped: the proxy runs without that action rather than not at all
 * (nutcracker would refuse to start). Handlers run on a JVM thread, not in an interrupt context, so they may
 * lock and allocate.
 *
 * <p>{@code sun.misc.Signal} is in module {@code jdk.unsupported}, which every JDK 17 ships and exports.
 *
 * <p>Thread-safe. {@link #install} once per process; {@link #close()} puts back the handlers that were there.
 */
public final class Signals implements AutoCloseable {
    /** The signals handled, in nutcracker's table order (SIGTERM added, SIGUSR2 left to the JVM). */
    static final String[] NAMES = {"USR1", "TTIN", "TTOU", "HUP", "INT", "TERM"};

    private final Runnable onShutdown; // the launcher's clean shutdown: stops the core
    private volatile Runnable onReload = () -> { }; // SIGUSR1: the launcher's configuration reload
    private final Runnable onForcedExit; // second INT/TERM during shutdown
    private final AtomicBoolean shuttingDown = new AtomicBoolean();
    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    Signals(Runnable onShutdown, Runnable onForcedExit) {
        this.onShutdown = Objects.requireNonNull(onShutdown);
        this.onForcedExit = Objects.requireNonNull(onForcedExit);
    }

    /**
     * Mirrors signal_init(): installs the handlers. {@code onShutdown} is run (on a signal thread) for the
     * first SIGINT or SIGTERM; it must only ask the loop to stop (e.g. {@code core::stop}).
     */
    /** What SIGUSR1 does (it must not block: it only queues the reload). */
    public void onReload(Runnable r) {
        this.onReload = Objects.requireNonNull(r);
    }

    public static Signals install(Runnable onShutdown) {
        Signals s = new Signals(onShutdown, () -> Runtime.getRuntime().halt(1));
        s.installAll();
        return s;
    }

    private void installAll() {
        SignalHandler h = sig -> handle(sig.getName(), sig.getNumber());
        for (String n : NAMES) {
            try {
                Signal sig = new Signal(n);
                SignalHandler old = Signal.handle(sig, h);
                synchronized (this) {
                    installed.add(sig);
                    previous.add(old);
                }
            } catch (IllegalArgumentException e) {
                Log.warn("sigaction(SIG" + n + ") failed, ignored: " + e.getMessage());
            }
        }
    }

    /** True once a SIGINT or SIGTERM was received. */
    public boolean shutdownRequested() {
        return shuttingDown.get();
    }

    /** Mirrors signal_handler(): logs the signal, then acts. {@code name} without "SIG". */
    void handle(String name, int signo) {
        switch (name) {
            case "USR1":
                Log.always("signal " + signo + " (SIG" + name + ") received, reloading the configuration");
                onReload.run();
                break;
            case "TTIN":
                Log.always("signal " + signo + " (SIG" + name + ") received, up logging level");
                Log.levelUp();
                break;
            case "TTOU":
                Log.always("signal " + signo + " (SIG" + name + ") received, down logging level");
                Log.levelDown();
                break;
            case "HUP":
                Log.always("signal " + signo + " (SIG" + name + ") received, reopening log file");
                Log.reopen();
                break;
            case "INT":
            case "TERM":
                if (shuttingDown.compareAndSet(false, true)) {
                    Log.always("signal " + signo + " (SIG" + name + ") received, exiting");
                    onShutdown.run();
                } else {
                    Log.always("signal " + signo + " (SIG" + name + ") received again, exiting at once");
                    onForcedExit.run();
                }
                break;
            default:
                Log.always("signal " + signo + " (SIG" + name + ") received, ignored");
                break;
        }
    }

    /** Mirrors signal_deinit(): puts back the handlers found at install time. Idempotent. */
    @Override
    public synchronized void close() {
        for (int i = installed.size() - 1; i >= 0; i--) {
            try {
                Signal.handle(installed.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                Log.warn("restoring the SIG" + installed.get(i).getName() + " handler failed, ignored: "
                        + e.getMessage());
            }
        }
        installed.clear();
        previous.clear();
    }
}
