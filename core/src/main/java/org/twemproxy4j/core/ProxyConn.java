package org.twemproxy4j.core;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.twemproxy4j.core.conf.ConfListen;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.event.EventHandler;
import org.twemproxy4j.event.Events;
import org.twemproxy4j.event.Registration;
import org.twemproxy4j.event.Timer;

/**
 * Mirrors the proxy {@code struct conn} and nc_proxy.c: a pool's listening socket (host:port or a unix
 * socket), SO_REUSEADDR (or unlinking a stale unix socket), the backlog, and accepting clients with
 * TCP_NODELAY and, with {@code tcpkeepalive}, SO_KEEPALIVE. {@code client_connections} is enforced here: a
 * client over the pool's limit is closed at once (nutcracker parses the key and ignores it); the count is the
 * pool's over every worker ({@link PoolHealth#clients}), taken at accept, not on the request path.
 *
 * <p>Several workers: every worker binds its own TCP listening socket with SO_REUSEPORT (also with the pool key
 * {@code reuseport: true}, twemproxy master's, for several processes on one port), so the kernel spreads the
 * connections. A unix socket is bound by worker 0 only, which hands each accepted client to the next worker in
 * turn ({@link Context#handoff}). Either way a client stays on the worker that registered it.
 *
 * <p>A listener is bound first ({@link #bind()}, nothing accepted yet: a reload's prepare step) and then armed
 * ({@link #arm()}). Event-loop confined.
 */
final class ProxyConn implements EventHandler {
    private final Context ctx;
    ServerPool pool;               // the pool it accepts for (a reload may hand it a new definition)
    private ServerSocketChannel channel;
    private Registration reg;
    private boolean unix;
    private Path unixPath;
    private static final int ACCEPT_PAUSE_MS = 100;
    private static final long ACCEPT_LOG_INTERVAL_MS = 10_000;   // at most one accept-failure line per interval
    private long acceptLoggedAt = Long.MIN_VALUE;
    private long acceptFailuresUnlogged;
    private final Timer resume = new Timer(t -> resumeAccepts());

    ProxyConn(Context ctx, ServerPool pool) {
        this.ctx = ctx;
        this.pool = pool;
    }

    /** Mirrors proxy_listen(): binds and starts accepting; the exception message is a one-line reason. */
    void listen() throws IOException {
        bind();
        arm();
    }

    /** Starts accepting on a bound listener. */
    void arm() {
        if (reg != null) {
            ctx.evb.addIn(reg);
        }
    }

    /** Binds the listening socket and registers it, not yet accepting; the message is a one-line reason. */
    void bind() throws IOException {
        ConfListen l = pool.conf.listen();
        SocketAddress addr;
        try {
            if (l.unix()) {
                unix = true;
                unixPath = Path.of(l.host());
                Files.deleteIfExists(unixPath);
                addr = UnixDomainSocketAddress.of(unixPath);
                channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            } else {
                InetSocketAddress ia = new InetSocketAddress(l.host(), l.port());
                if (ia.isUnresolved()) {
                    throw new IOException("cannot resolve '" + l.host() + "'");
                }
                addr = ia;
                channel = ServerSocketChannel.open(ia.getAddress() instanceof java.net.Inet6Address
                        ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                if (ctx.reusePort || pool.conf.reuseport()) {
                    channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
            }
            channel.bind(addr, pool.conf.backlog());
            if (unix && l.perm() != 0) {
                Files.setPosixFilePermissions(unixPath, perms(l.perm()));
            }
            channel.configureBlocking(false);
            reg = ctx.evb.addConn(channel, this);
        } catch (IOException e) {
            close();
            throw new IOException("failed to listen on pool '" + pool.name + "' at '" + l.pname() + "': "
                    + e.getMessage(), e);
        }
        if (Log.enabled(Log.LOG_NOTICE)) {
            Log.notice("p listening on '" + l.pname() + "' in " + (pool.conf.redis() ? "redis" : "memcache")
                    + " pool " + pool.idx + " '" + pool.name + "' with " + pool.servers.length + " servers");
        }
    }

    private static Set<PosixFilePermission> perms(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] all = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < all.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(all[i]);
            }
        }
        return s;
    }

    /** The bound address (for tests binding port 0). */
    SocketAddress localAddress() throws IOException {
        return channel.getLocalAddress();
    }

    @Override
    public void onEvent(int events) {
        if ((events & Events.READ) == 0) {
            return;
        }
        for (int i = 0; i < 256; i++) {
            if (!accept()) {
                return;
            }
        }
    }

    /** Mirrors proxy_accept(); false when there is nothing more to accept. */
    private boolean accept() {
        SocketChannel sc;
        try {
            sc = channel.accept();
        } catch (IOException e) {
            // e.g. out of descriptors (twemproxy issue #97): stop accepting for a moment instead of spinning;
            // that can last, so log one line per interval (with the count since), not one per pause
            long now = ctx.now();
            if (acceptLoggedAt != Long.MIN_VALUE && now - acceptLoggedAt < ACCEPT_LOG_INTERVAL_MS) {
                acceptFailuresUnlogged++;
            } else {
                if (Log.enabled(Log.LOG_ERR)) {
                    Log.error("accept on p '" + pool.name + "' failed, pausing accepts for " + ACCEPT_PAUSE_MS
                            + " ms: " + e.getMessage() + (acceptFailuresUnlogged == 0 ? ""
                                    : " (" + acceptFailuresUnlogged + " more failures since the last report)"));
                }
                acceptLoggedAt = now;
                acceptFailuresUnlogged = 0;
            }
            if (reg != null) {
                ctx.evb.delIn(reg);
                ctx.evb.addTimer(resume, ctx.now() + ACCEPT_PAUSE_MS);
            }
            return false;
        }
        if (sc == null) {
            return false;
        }
        java.util.concurrent.atomic.AtomicInteger clients = pool.health.clients;
        int n = clients.incrementAndGet();
        if (pool.clientConnections > 0 && n > pool.clientConnections) {
            clients.decrementAndGet();
            if (Log.enabled(Log.LOG_WARN)) {
                Log.warn("client connections " + (n - 1) + " of pool '" + pool.name + "' reached the limit "
                        + pool.clientConnections + ", closing the new one");
            }
            try {
                sc.close();
            } catch (IOException e) {
                // ignored
            }
            pool.stats[CoreStats.CLIENT_ERR]++;
            return true;
        }
        if (unix && ctx.handoff != null) {
            ctx.handoff.handOff(pool, sc); // another worker registers it (a unix socket with several workers)
            return true;
        }
        adopt(ctx, pool, sc, unix);
        return true;
    }

    /**
     * Registers {@code sc}, an accepted client of {@code pool} already counted in the pool's client count, with
     * this worker's loop. Loop thread of {@code ctx}.
     */
    static void adopt(Context ctx, ServerPool pool, SocketChannel sc, boolean unix) {
        ClientConn c = ctx.conns.getClient(pool);
        c.channel = sc;
        pool.ncConn++;
        pool.stats[CoreStats.CLIENT_CONNECTIONS]++;
        try {
            sc.configureBlocking(false);
            if (!unix) {
                sc.setOption(StandardSocketOptions.TCP_NODELAY, true);
                if (pool.tcpkeepalive) {
                    sc.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                }
            }
            c.reg = ctx.evb.addConn(sc, c);
            ctx.evb.addIn(c.reg);
        } catch (IOException e) {
            c.err = NcErrno.of(e);
            ctx.close(c);
            return;
        }
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("accepted c on p '" + pool.name + "'");
        }
    }

    private void resumeAccepts() {
        if (reg != null) {
            ctx.evb.addIn(reg);
        }
    }

    void close() {
        ctx.evb.delTimer(resume);
        if (reg != null) {
            ctx.evb.delConn(reg);
            reg = null;
        }
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // ignored
            }
            channel = null;
        }
        if (unixPath != null) {
            try {
                Files.deleteIfExists(unixPath);
            } catch (IOException e) {
                // ignored
            }
        }
    }
}
