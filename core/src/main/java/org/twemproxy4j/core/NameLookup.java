package org.twemproxy4j.core;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.twemproxy4j.event.EventBase;

/**
 * Host-name lookups off the event loops (beyond nutcracker, which resolves every server once, when it reads the
 * configuration). A Redis Cluster may name its nodes by host name ({@code cluster-preferred-endpoint-type
 * hostname}); the proxy first hears of such a node on a loop, in a CLUSTER SLOTS reply or a redirection, and must
 * not stop every client of that loop while the system resolver answers. One daemon thread, started by the first
 * lookup and gone after 30 s without one, asks the resolver; each answer goes back to the loop that asked, through
 * that loop's task queue, where {@code done} runs (with null when the name did not resolve). Never on the request
 * path: a lookup happens when a node is first seen or one of its connections failed.
 */
final class NameLookup {
    /** The lookup thread's executor, created at the first lookup (a proxy that never needs one has none). */
    private static final class Holder {
        static final ThreadPoolExecutor EXECUTOR = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, THREAD_NAME);
                    t.setDaemon(true);
                    return t;
                });
    }

    /** The name of the lookup thread (it exists only while lookups are asked for). */
    static final String THREAD_NAME = "twemproxy4j-lookup";

    private NameLookup() {
    }

    /** Looks {@code host} up off the loop; {@code done} runs on {@code loop} with the address or null. */
    static void lookup(String host, int port, EventBase loop, Consumer<InetSocketAddress> done) {
        Holder.EXECUTOR.execute(() -> {
            InetSocketAddress a;
            try {
                a = new InetSocketAddress(InetAddress.getByName(host), port);
            } catch (UnknownHostException | RuntimeException e) {
                a = null;
            }
            InetSocketAddress found = a;
            loop.execute(() -> done.accept(found));
        });
    }
}
