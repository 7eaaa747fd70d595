package org.twemproxy4j.distribution;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.conf.ConfException;
import org.twemproxy4j.core.conf.ConfPool;
import org.twemproxy4j.core.conf.ConfServer;
import org.twemproxy4j.hashkit.DistType;
import org.twemproxy4j.hashkit.Placement;

/**
 * {@code twemproxy4j --locate KEY... [-c CONF] [--pool NAME]}: prints which server of a pool each key maps to,
 * one line per key, e.g. {@code user:1 -> cache/127.0.0.1:6380 (127.0.0.1:6380)}. nutcracker has no such
 * command; it answers "which server holds this key" without sending any traffic.
 *
 * <p>The placement is computed with hashkit exactly as the proxy computes it (hash, hash tag, distribution,
 * sorted servers, weights), assuming every server is live: an ejected server would move keys elsewhere.
 * Keys are taken as UTF-8 bytes of the arguments. For {@code distribution: random} there is no fixed server,
 * and the line says so.
 *
 * <p>Options: {@code -c FILE} / {@code --conf-file=FILE} (default {@value Instance#NC_CONF_PATH}),
 * {@code --pool NAME} / {@code --pool=NAME} (required when the configuration has more than one pool), and
 * {@code --} to end options (for keys that begin with '-'). A {@code --locate} argument is ignored, so the
 * launcher may pass its whole command line.
 *
 * <p>Exit status 0 on success; 1 with a one-line reason on standard error otherwise.
 */
public final class Locate {
    private Locate() {
    }

    /** Runs the command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        String confFile = Instance.NC_CONF_PATH;
        String poolName = null;
        List<String> keys = new ArrayList<>();
        boolean optionsDone = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (optionsDone || !a.startsWith("-") || a.equals("-")) {
                keys.add(a);
            } else if (a.equals("--")) {
                optionsDone = true;
            } else if (a.equals("--locate")) {
                continue;
            } else if (a.equals("-c") || a.equals("--conf-file") || a.equals("--pool")) {
                if (i + 1 >= args.length) {
                    return fail(err, "option " + a + " requires a value");
                }
                String v = args[++i];
                if (a.equals("--pool")) {
                    poolName = v;
                } else {
                    confFile = v;
                }
            } else if (a.startsWith("--conf-file=")) {
                confFile = a.substring("--conf-file=".length());
            } else if (a.startsWith("-c") && a.length() > 2) {
                confFile = a.substring(2);
            } else if (a.startsWith("--pool=")) {
                poolName = a.substring("--pool=".length());
            } else {
                return fail(err, "unknown option " + a + " (usage: --locate KEY... [-c CONF] [--pool NAME])");
            }
        }
        if (keys.isEmpty()) {
            return fail(err, "no key given (usage: --locate KEY... [-c CONF] [--pool NAME])");
        }

        Conf conf;
        try {
            conf = Conf.load(Path.of(confFile));
        } catch (ConfException e) {
            return fail(err, oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            return fail(err, "cannot read configuration file '" + confFile + "': "
                    + oneLine(String.valueOf(e.getMessage())));
        }

        List<ConfPool> pools = conf.pools();
        ConfPool pool = null;
        if (poolName == null) {
            if (pools.size() != 1) {
                return fail(err, "configuration file '" + confFile + "' has " + pools.size() + " pools ("
                        + poolNames(pools) + "); choose one with --pool NAME");
            }
            pool = pools.get(0);
        } else {
            for (ConfPool p : pools) {
                if (p.name().equals(poolName)) {
                    pool = p;
                    break;
                }
            }
            if (pool == null) {
                return fail(err, "configuration file '" + confFile + "' has no pool '" + poolName + "' (pools: "
                        + poolNames(pools) + ")");
            }
        }

        List<ConfServer> servers = pool.servers();
        String[] names = new String[servers.size()];
        int[] weights = new int[servers.size()];
        for (int i = 0; i < names.length; i++) {
            names[i] = servers.get(i).name();
            weights[i] = servers.get(i).weight();
        }
        byte[] tag = pool.hashTag() == null ? null : pool.hashTag().getBytes(StandardCharsets.UTF_8);
        Placement placement = new Placement(pool.hash(), tag, pool.distribution(), names, weights);

        for (String key : keys) {
            if (pool.distribution() == DistType.RANDOM && names.length > 1) {
                out.println(key + " -> " + pool.name() + ": random (distribution random sends each request to a"
                        + " random server of " + names.length + ")");
                continue;
            }
            byte[] k = key.getBytes(StandardCharsets.UTF_8);
            ConfServer s = servers.get(placement.serverIndex(k, 0, k.length));
            String addr = s.unix() ? s.host() : s.host() + ":" + s.port();
            out.println(key + " -> " + pool.name() + "/" + s.name() + " (" + addr + ")");
        }
        out.flush();
        return 0;
    }

    private static String poolNames(List<ConfPool> pools) {
        StringBuilder sb = new StringBuilder();
        for (ConfPool p : pools) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(p.name());
        }
        return sb.toString();
    }

    private static String oneLine(String s) {
        return s.replace('\n', ' ').replace('\r', ' ').trim();
    }

    private static int fail(PrintStream err, String reason) {
        err.println("twemproxy4j: --locate: " + reason);
        err.flush();
        return 1;
    }
}
