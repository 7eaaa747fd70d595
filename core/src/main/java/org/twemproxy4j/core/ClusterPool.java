package org.twemproxy4j.core;

import org.twemproxy4j.core.conf.ConfServer;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ClusterTopology;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.core.util.Log;
import org.twemproxy4j.core.util.NcErrno;
import org.twemproxy4j.event.Timer;
import org.twemproxy4j.hashkit.ClusterKeySlot;
import org.twemproxy4j.mbuf.Mbuf;

/**
 * A redis pool in front of one Redis Cluster ({@code redis_cluster: true}): the slot map, the node set, the
 * map refreshes and the redirections. Beyond nutcracker, which cannot front a cluster. Event-loop confined:
 * each worker keeps its own map and refreshes it on its own (no state is shared between workers).
 *
 * <p>Nodes are the pool's {@link Server}s: the configured seeds first, then every master the map or a
 * redirection names, appended as it is first seen. A node is known by its address: a seed written as a host
 * name was resolved when the configuration was read ({@code ConfPool#clusterSeedAddress}), so the same node
 * named by IP in the map is that seed, not another node. A node is never removed (it stays a stats entry), but
 * each map load replaces the whole map, so a node that is no longer a master (a replica seed, a demoted or dead
 * master, a node that left) owns no slot and gets no keyed traffic. Keyless requests and slots the map does not
 * cover go to {@link #fallback}, the master of the lowest slot the map covers. Each node keeps the pool's
 * pipelined {@link ServerConn}s, as any server does.
 *
 * <p>SCAN walks the masters in the order of the first slot each owns. The proxy's cursor is
 * {@code nodeCursor * 16384 + position}, where position is that first slot of the master being scanned: cursor
 * {@code c} goes to the current owner of slot {@code c % 16384} with cursor {@code c / 16384}; when that node's
 * iteration ends the next cursor is the first slot of the next master ({@link #scanNext}), and 0 after the last.
 * The cursor names a slot, not a node index, so it stays valid while nodes are added to the pool. While the
 * map is unchanged, every key present for the whole scan is returned at least once (redis's guarantee, per
 * master); after a failover the promoted replica carries on with the same cursor over the same data; when slots
 * move between masters during a scan, a key that moves may be missed or returned twice, as with a cluster-aware
 * client that scans node by node.
 *
 * <pre>
 *   client request --index: slot (CRC16 of the tag) -&gt; slots[slot] = node--&gt; s.imsg_q -&gt; s.omsg_q
 *                                                                                  |
 *        reply to the client &lt;-- not a redirection &lt;-- {@link #redirect} &lt;-- response
 *                                                        |  MOVED: map updated, sent again to the named node
 *                                                        |  ASK: ASKING + the request to the named node
 *                                                        |  TRYAGAIN/CLUSTERDOWN: sent again after a backoff
 * </pre>
 * A redirected request stays on its client's out_q, not done, so the client's reply order holds: it is taken
 * off the server's out_q, its mbufs are rewound (sending consumed them) and it is enqueued again.
 *
 * <p>The map is loaded with CLUSTER SLOTS, sent as a swallowed request on a node's ordinary connection (never
 * blocking the loop), at start, every {@link #REFRESH_INTERVAL_MS} ms, after a MOVED, and when a node
 * connection fails. One refresh is in flight at a time; triggers meanwhile coalesce into it, and refreshes
 * start at most every {@link #REFRESH_MIN_GAP_MS} ms.
 */
final class ClusterPool implements ClusterTopology {
    static final long REFRESH_INTERVAL_MS = 10_000;   // periodic refresh of the slot map
    static final long REFRESH_MIN_GAP_MS = 100;       // refreshes start at most this often
    static final long REFRESH_TIMEOUT_MS = 2_000;     // a refresh unanswered this long is given up
    static final int MAX_REDIRECTS = 5;               // MOVED/ASK per request (per try, see MAX_RETRIES)
    static final int MAX_RETRIES = 8;                 // TRYAGAIN/CLUSTERDOWN per request, after these waits:
    static final long RETRY_BACKOFF_MS = 25;          // 25, 50, 100, 200, 400, 400 ... ms (about 2 s in all: a
    static final long RETRY_BACKOFF_MAX_MS = 400;     // slot's keys being migrated, a failover under way)
    static final long LOOKUP_WAIT_MS = 1_000;         // a request held for a node's address looks again after
    static final int POSITIONS = ClusterKeySlot.SLOTS;     // routed requests: a slot (SCAN's cursor position)
    private static final int NONE = -1;

    final ServerPool pool;
    private Context ctx;
    private final int[] slots = new int[ClusterKeySlot.SLOTS]; // slot -> node (server index), NONE unknown
    private int fallback;                                      // keyless requests, unknown slots: a master
    private int[] next;                                        // the map being read from a refresh
    private boolean nextOk;
    private int tSlot;                                         // a redirection's slot
    private int tNode;                                         // a redirection's node
    private final Timer timer = new Timer(t -> tick());
    Msg refreshMsg;                                            // the CLUSTER SLOTS request in flight, or null
    private long refreshStarted;
    private long lastRefresh;                                  // when the last refresh started
    private boolean refreshWanted;                             // a trigger came during the gap
    private int cursor;                                        // next node asked for the map
    private Msg[] delayed = new Msg[16];                       // requests waiting to be sent again
    private long[] due = new long[16];
    private int ndelayed;

    // counters (this worker's)
    long nmoved;
    long nask;
    long nretry;
    long nrefresh;

    // slot grouping scratch for split commands
    private final int[] slotStamp = new int[ClusterKeySlot.SLOTS];
    private final int[] slotFrag = new int[ClusterKeySlot.SLOTS];
    private int stamp;
    private int[] fragCount = new int[16];
    private int[] fragStart = new int[16];
    private int[] order = new int[16];
    private boolean[] owners = new boolean[16];                 // fanOut scratch: nodes owning slots
    private String[] addrs;                                     // each node's "ip:port" (as the cluster names it)
    private Server replyFrom;                                   // the node whose reply is being read
    private boolean stopped;                                    // a reload retired this definition
    private int[] pendingMap;                                   // a loaded map waiting for node lookups, or null
    private int pendingFirst;                                   // its fallback node
    private final int nseeds;                                   // the configured servers, first in pool.servers

    ClusterPool(ServerPool pool) {
        this.pool = pool;
        java.util.Arrays.fill(slots, NONE);
        Server[] ss = pool.servers;
        addrs = new String[Math.max(16, ss.length)];
        for (int i = 0; i < ss.length; i++) {
            ConfServer c = ss[i].conf;
            String ip = pool.conf.clusterSeedAddress(i);
            if (ip != null) {
                try {
                    // connect to the address resolved with the configuration: the loop never resolves a seed
                    ss[i].moveTo(new java.net.InetSocketAddress(java.net.InetAddress.getByName(ip), c.port()));
                } catch (java.net.UnknownHostException e) {
                    ip = null; // not a literal after all: resolved at connect, as any server
                }
            }
            addrs[i] = (ip != null ? ip : literal(c.host())) + ":" + c.port();
            if (!c.unix() && !isAddress(c.host())) {
                // a seed named by host name is looked up again, off the loop, when a connection to it fails: a
                // cluster restarted elsewhere (new pods, new addresses) is found again through its name
                ss[i].lookupBy = this;
            }
        }
        nseeds = ss.length;
    }

    /** Starts the topology work on the loop of {@code ctx}: the first map load and the periodic refresh. */
    void start(Context ctx) {
        if (this.ctx != null) {
            return;
        }
        this.ctx = ctx;
        refresh();
        arm();
    }

    // ---------------------------------------------------------------- where a key goes

    /** The node of {@code key}: the slot's master, or a seed while the slot is unknown (it redirects). */
    int index(byte[] key, int len) {
        return node(ClusterKeySlot.slot(key, 0, len));
    }

    private int node(int slot) {
        int n = slots[slot];
        if (n == NONE) {
            n = fallback;
        }
        return n;
    }

    /** The slot of key entry {@code i} of {@code msg}. */
    int slot(Msg msg, int i) {
        int len = msg.keyLen[i];
        byte[] k = pool.keyScratch(len);
        msg.copyKey(i, k);
        return ClusterKeySlot.slot(k, 0, len);
    }

    /** The node of key entry {@code i} of {@code msg}. */
    int keyIndex(Msg msg, int i) {
        return node(slot(msg, i));
    }

    /** A request's node; {@link ServerPool#IDX_CROSS} when its keys are in several slots (-CROSSSLOT). */
    int index(Msg msg) {
        int n = msg.nkeys;
        if (n == 0) {
            return fallback; // a keyless command: a master that owns slots answers it
        }
        int step = msg.keyStep;
        int s = slot(msg, 0);
        for (int i = step; i < n; i += step) {
            if (slot(msg, i) != s) {
                return ServerPool.IDX_CROSS;
            }
        }
        return node(s);
    }

    /**
     * Splits a multi-key request (MGET, MSET, DEL, UNLINK, EXISTS, TOUCH) into one fragment per slot: a
     * cluster node refuses keys of several slots in one command, even when it owns them all.
     */
    void fragment(ClientConn c, Msg msg) {
        int ng = msg.nkeyGroups();
        int step = msg.keyStep;
        if (msg.keyFrag == null || msg.keyFrag.length < ng) {
            int n = Math.max(ng, 16);
            msg.keyFrag = new int[n];
            msg.keyFragIdx = new int[n];
        }
        if (order.length < ng) {
            int n = Math.max(ng, order.length << 1);
            order = new int[n];
            fragCount = new int[n];
            fragStart = new int[n];
        }
        if (++stamp == 0) {
            java.util.Arrays.fill(slotStamp, 0);
            stamp = 1;
        }
        int nfrag = 0;
        for (int g = 0; g < ng; g++) {
            int s = slot(msg, g * step);
            if (slotStamp[s] != stamp) {
                slotStamp[s] = stamp;
                slotFrag[s] = nfrag;
                fragCount[nfrag] = 0;
                order[nfrag] = s; // the fragment's slot, until the groups are laid out below
                nfrag++;
            }
            int f = slotFrag[s];
            msg.keyFrag[g] = f;
            msg.keyFragIdx[g] = fragCount[f]++;
        }
        if (msg.frags == null || msg.frags.length < nfrag) {
            msg.frags = new Msg[Math.max(nfrag, pool.servers.length)];
        }
        for (int f = 0; f < nfrag; f++) {
            Msg sub = c.fragmentGet(msg, node(order[f]));
            msg.frags[f] = sub;
        }
        int off = 0;
        for (int f = 0; f < nfrag; f++) {
            fragStart[f] = off;
            off += fragCount[f];
        }
        for (int g = 0; g < ng; g++) {
            order[fragStart[msg.keyFrag[g]] + msg.keyFragIdx[g]] = g;
        }
        ctx.fragmentScratch(ng, 0);
        int[] groups = ctx.groupScratch;
        for (int f = 0; f < nfrag; f++) {
            int n = fragCount[f];
            System.arraycopy(order, fragStart[f], groups, 0, n);
            c.proto.fragment(msg, groups, n, msg.frags[f], c);
        }
        c.forwardFragments(msg, nfrag);
    }

    /**
     * A whole-pool command (DBSIZE, KEYS, FLUSHALL, INFO ...): one fragment for each master that owns slots,
     * so that replicas given as seeds and nodes that left the cluster are not counted. Not on the request path
     * of keyed commands (it scans the slot map).
     */
    void fanOut(ClientConn c, Msg msg) {
        int nserver = pool.servers.length;
        if (owners.length < nserver) {
            owners = new boolean[Math.max(nserver, owners.length << 1)];
        }
        java.util.Arrays.fill(owners, false);
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] != NONE) {
                owners[slots[i]] = true;
            }
        }
        owners[fallback] |= ctx == null || !anyOwner(nserver); // no map yet: ask the first seed
        if (msg.frags == null || msg.frags.length < nserver) {
            msg.frags = new Msg[nserver];
        }
        int n = 0;
        for (int s = 0; s < nserver; s++) {
            if (owners[s]) {
                Msg sub = c.fragmentGet(msg, s);
                c.proto.fragmentTo(msg, s, nserver, sub, c);
                msg.frags[n++] = sub;
            }
        }
        c.forwardFragments(msg, n);
    }

    private boolean anyOwner(int nserver) {
        for (int s = 0; s < nserver; s++) {
            if (owners[s]) {
                return true;
            }
        }
        return false;
    }

    /**
     * A request the protocol routes to one place ({@code Proto.route} over {@link ClusterKeySlot#SLOTS}
     * positions): SCAN with the slot position of its cursor, TIME, LASTSAVE, COMMAND with 0. It goes to the
     * current owner of that slot (or {@link #fallback}), never to a replica seed or a node without slots.
     */
    void routeTo(ClientConn c, Msg msg, int position) {
        int node = position < slots.length && slots[position] != NONE ? slots[position] : fallback;
        if (msg.frags == null || msg.frags.length < 1) {
            msg.frags = new Msg[Math.max(1, pool.servers.length)];
        }
        Msg sub = c.fragmentGet(msg, node);
        c.proto.fragmentTo(msg, position, ClusterKeySlot.SLOTS, sub, c);
        msg.frags[0] = sub;
        c.forwardFragments(msg, 1);
    }

    /**
     * SCAN: the position after {@code position} once the node scanned there finished: the first slot of the
     * next master in first-slot order, or 0 when none is left. Scans the slot map (SCAN only).
     */
    int scanNext(int position) {
        int from = position;
        if (position >= slots.length) {
            return 0;
        }
        if (slots[position] == NONE) {
            from = Math.max(from, firstSlot(fallback)); // position 0 with slot 0 unowned: the fallback's start
        }
        int nserver = pool.servers.length;
        if (owners.length < nserver) {
            owners = new boolean[Math.max(nserver, owners.length << 1)];
        }
        java.util.Arrays.fill(owners, false); // here: nodes seen so far, in slot order
        for (int i = 0; i < slots.length; i++) {
            int n = slots[i];
            if (n != NONE && !owners[n]) {
                owners[n] = true;
                if (i > from) {
                    return i;
                }
            }
        }
        return 0;
    }

    private int firstSlot(int node) {
        for (int i = 0; i < slots.length; i++) {
            if (slots[i] == node) {
                return i;
            }
        }
        return 0;
    }

    // ---------------------------------------------------------------- redirections

    /**
     * Sees a response of node connection {@code s} before it reaches the client (rsp_forward). Returns true
     * when it was a redirection that this pool handles (the response is freed and the request sent again);
     * false to forward it as usual (not a redirection, or the request's redirections are used up).
     */
    boolean redirect(ServerConn s, Msg rsp) {
        Proto proto = s.proto;
        int kind = proto.redirect(rsp);
        if (kind == Proto.REDIRECT_NONE) {
            return false;
        }
        Msg pmsg = s.omsgQ.first();
        if (s instanceof SessionConn && !pmsg.follower) {
            return redirectSession((SessionConn) s, rsp, kind); // an ordinary request behind a session: as any
        }
        if (kind == Proto.REDIRECT_RETRY ? pmsg.retries >= MAX_RETRIES : pmsg.redirects >= MAX_REDIRECTS) {
            if (kind == Proto.REDIRECT_MOVED) {
                refresh();
            }
            return false;
        }
        int node = NONE;
        if (kind != Proto.REDIRECT_RETRY) {
            tSlot = NONE;
            replyFrom = s.server;
            if (!proto.redirectTarget(rsp, this) || tSlot == NONE) {
                return false;
            }
            node = tNode;
        }
        s.dequeueOutq(pmsg);
        if (kind == Proto.REDIRECT_RETRY) {
            pmsg.retries++;
            pmsg.redirects = 0; // an ASK answered by TRYAGAIN starts over at the slot's owner: each try gets 5
        } else {
            pmsg.redirects++;
        }
        Response.put(ctx, rsp);
        rewind(pmsg);
        switch (kind) {
            case Proto.REDIRECT_MOVED:
                nmoved++;
                if (!pool.servers[node].awaitingAddress()) {
                    slots[tSlot] = node; // else the map refresh below sets it, once the node has an address
                }
                if (Log.enabled(Log.LOG_VERB)) {
                    Log.log(Log.LOG_VERB, "req " + pmsg.id + " moved: slot " + tSlot + " to "
                            + pool.servers[node].pname);
                }
                refresh();
                send(pmsg, node, false);
                break;
            case Proto.REDIRECT_ASK:
                nask++;
                send(pmsg, node, true);
                break;
            default:
                nretry++;
                delay(pmsg, s.server.idx);
                break;
        }
        return true;
    }

    /**
     * A redirection on a session connection. A blocking command outside a transaction follows it, to the
     * client's session connection with the named node, so that it blocks there and never on a shared connection
     * (an ordinary request that only waited behind the session is redirected as any, see {@link #redirect}).
     * Everything else a session carries (a transaction's commands and EXEC, (un)subscriptions) has its state on
     * this node: the client gets the node's error, as a cluster-aware client would. A shard subscription
     * (SSUBSCRIBE) follows too, with its channels, to the client's session connection with the named node.
     */
    private boolean redirectSession(SessionConn s, Msg rsp, int kind) {
        Msg pmsg = s.omsgQ.first();
        ClientConn c = s.client;
        int op = c == null ? Proto.SESSION_NONE : c.proto.sessionOp(pmsg);
        boolean shard = op == Proto.SESSION_SSUBSCRIBE && pmsg.fragOwner != null;
        if (kind == Proto.REDIRECT_RETRY || c == null || c.sessions == null || c.sessions.inMulti()
                || pmsg.owner != c || pmsg.redirects >= MAX_REDIRECTS
                || (op != Proto.SESSION_BLOCK && !shard)) {
            if (kind == Proto.REDIRECT_MOVED) {
                refresh(); // the map is out of date, whatever this client gets
            }
            return false;
        }
        tSlot = NONE;
        replyFrom = s.server;
        if (!s.proto.redirectTarget(rsp, this) || tSlot == NONE || pool.servers[tNode].awaitingAddress()) {
            return false;
        }
        int node = tNode;
        boolean asking = kind == Proto.REDIRECT_ASK;
        SessionConn to = shard ? c.sessions.sessionWith(node) : null;
        if (shard && to == null) {
            return false;
        }
        s.dequeueOutq(pmsg);
        pmsg.redirects++;
        Response.put(ctx, rsp);
        rewind(pmsg);
        if (asking) {
            nask++;
        } else {
            nmoved++;
            slots[tSlot] = node;
            refresh();
        }
        if (shard) {
            c.sessions.redirectedShard(pmsg, s.sidx, to, asking);
        } else {
            c.sessions.redirected(pmsg, node, asking);
        }
        return true;
    }

    /** Sending consumed the request's mbufs (pos moved to last): make it whole again to send it again. */
    private static void rewind(Msg msg) {
        for (Mbuf b = msg.mhdr.first(); b != null; b = b.next()) {
            b.pos(b.start());
        }
    }

    /** TRYAGAIN/CLUSTERDOWN: the request waits a little (longer at each try), then goes to its slot's node. */
    private void delay(Msg msg, int node) {
        if (ndelayed == delayed.length) {
            delayed = java.util.Arrays.copyOf(delayed, ndelayed << 1);
            due = java.util.Arrays.copyOf(due, ndelayed << 1);
        }
        msg.serverIdx = node;
        delayed[ndelayed] = msg;
        due[ndelayed] = ctx.now() + Math.min(RETRY_BACKOFF_MAX_MS, RETRY_BACKOFF_MS << Math.max(0, msg.retries - 1));
        ndelayed++;
        arm();
    }

    /** A request for a node whose address is being looked up waits for the answer (see {@link #looked}). */
    private void park(Msg msg, int node, boolean asking) {
        delay(msg, node);
        msg.asking = asking;
        due[ndelayed - 1] = ctx.now() + LOOKUP_WAIT_MS;
        arm();
    }

    /** Enqueues {@code msg} on a connection of node {@code node}, after an ASKING when {@code asking}. */
    private void send(Msg msg, int node, boolean asking) {
        Server server = pool.servers[node];
        if (server.departed) {
            server.departed = false; // a redirection to a node the map left out (a slot being imported)
            ctx.stats.nodesChanged();
        }
        if (server.awaitingAddress()) {
            park(msg, node, asking);
            return;
        }
        ServerConn s = server.conn(ctx.conns);
        int e = s.connect();
        if (e != 0) {
            s.err = e;
            ctx.close(s);
            fail(msg, e);
            return;
        }
        if (s.imsgQ.isEmpty()) {
            ctx.evb.addOut(s.reg);
        }
        if (!s.authenticated && pool.requireAuth) {
            s.addAuth();
        }
        if (asking) {
            byte[] a = s.proto.askingRequest();
            Msg am = ctx.msgGet(s, true);
            ctx.msgPool.append(am, a, 0, a.length);
            am.swallow = true;
            am.owner = null;
            s.enqueueInq(am);
        }
        s.enqueueInq(msg);
        msg.serverIdx = node;
        server.stats[CoreStats.REQUESTS]++;
        server.stats[CoreStats.REQUEST_BYTES] += msg.mlen;
    }

    /** A request that cannot be sent again gets the error (req_forward_error). */
    private void fail(Msg msg, int e) {
        if (msg == refreshMsg) {
            refreshMsg = null;
            Request.put(ctx, msg);
            refreshWanted = true; // from the next node, after the gap
            arm();
            return;
        }
        if (msg.swallow) {
            Request.put(ctx, msg); // its client is gone
            return;
        }
        msg.done = true;
        msg.error = true;
        msg.err = e;
        if (msg.fragOwner != null) {
            Request.fragDone(ctx, msg);
        } else if (msg.noreply) {
            Request.put(ctx, msg);
        } else {
            ((ClientConn) msg.owner).replyReady();
        }
    }

    // ---------------------------------------------------------------- the slot map

    /** Asks a node for the slot map, unless a refresh is in flight or one started very recently. */
    void refresh() {
        if (ctx == null || stopped) {
            return;
        }
        long now = ctx.now();
        if (refreshMsg != null) {
            if (now - refreshStarted < REFRESH_TIMEOUT_MS) {
                return; // coalesced into the refresh in flight
            }
            refreshMsg = null; // given up: its answer, if it ever comes, is swallowed
        }
        if (now - lastRefresh < REFRESH_MIN_GAP_MS) {
            refreshWanted = true;
            arm();
            return;
        }
        refreshWanted = false;
        lastRefresh = now;
        refreshStarted = now;
        nrefresh++;
        Server[] ss = pool.servers;
        int node = cursor % ss.length;
        for (int i = 0; i < ss.length && ss[node].departed; i++) {
            node = (node + 1) % ss.length; // a node that left the map is not asked (the seeds never leave)
        }
        cursor = node + 1 >= ss.length ? 0 : node + 1;
        byte[] req = pool.proto.clusterSlotsRequest();
        ServerConn s = ss[node].conn(ctx.conns);
        Msg m = ctx.msgGet(s, true);
        ctx.msgPool.append(m, req, 0, req.length);
        m.swallow = true;
        m.owner = null;
        refreshMsg = m;
        if (Log.enabled(Log.LOG_VERB)) {
            Log.log(Log.LOG_VERB, "pool '" + pool.name + "' loads the slot map from " + ss[node].pname);
        }
        send(m, node, false);
    }

    /** The answer of node {@code from} to the refresh in flight (a swallowed response, freed by the caller). */
    void onSlots(Msg rsp, Server from) {
        refreshMsg = null;
        replyFrom = from;
        int[] n = new int[ClusterKeySlot.SLOTS];
        java.util.Arrays.fill(n, NONE);
        next = n;
        nextOk = true;
        boolean ok = pool.proto.clusterSlots(rsp, this) && nextOk;
        next = null;
        if (!ok) {
            if (Log.enabled(Log.LOG_WARN)) {
                Log.warn("pool '" + pool.name + "': no slot map in a CLUSTER SLOTS reply; trying another node");
            }
            refreshWanted = true;
            arm();
            return;
        }
        int known = 0;
        int first = NONE;
        for (int i = 0; i < n.length; i++) {
            if (n[i] != NONE) {
                known++;
                if (first == NONE) {
                    first = n[i];
                }
            }
        }
        if (known == 0) {
            if (Log.enabled(Log.LOG_WARN)) {
                Log.warn("pool '" + pool.name + "': an empty slot map; trying another node");
            }
            refreshWanted = true;
            arm();
            return;
        }
        if (awaitsAddresses(n, true)) {
            // a node named by host name has no address yet: the map waits for its lookup (looked() adopts it),
            // and the current one serves meanwhile (its nodes redirect what has moved)
            pendingMap = n;
            pendingFirst = first;
            return;
        }
        adopt(n, first);
    }

    /**
     * Replaces the whole map: a node that no longer serves a slot (a demoted or dead master) gets no keyed
     * traffic; a slot the map leaves out goes to the fallback master, which redirects or refuses it.
     */
    private void adopt(int[] n, int first) {
        pendingMap = null;
        System.arraycopy(n, 0, slots, 0, n.length);
        fallback = first;
        sweep();
        if (Log.enabled(Log.LOG_VERB)) {
            int known = 0;
            for (int node : n) {
                known += node != NONE ? 1 : 0;
            }
            Log.log(Log.LOG_VERB, "pool '" + pool.name + "' slot map: " + known + " slots on "
                    + pool.servers.length + " nodes");
        }
    }

    /**
     * After a map load: a node the map no longer names (it left the cluster, or is a replica now) and that is not
     * a seed closes its connections (each once its replies are in) and leaves the stats, unless a session or a
     * request waiting to be sent again still needs it. It comes back when a map names it again or a redirection
     * sends a request to it ({@link #send}).
     */
    private void sweep() {
        Server[] ss = pool.servers;
        boolean[] named = named(slots, ss.length);
        boolean changed = false;
        for (int i = nseeds; i < ss.length; i++) {
            Server s = ss[i];
            if (named[i]) {
                changed |= s.departed;
                s.departed = false;
                continue;
            }
            if (s.departed || s.nsession > 0 || waitsFor(i)) {
                continue;
            }
            s.retireAll();
            s.departed = true;
            changed = true;
            if (Log.enabled(Log.LOG_INFO)) {
                Log.info("pool '" + pool.name + "' cluster node '" + s.name + "' is not in the slot map any more: "
                        + "its connections close and it leaves the stats");
            }
        }
        if (changed && ctx != null) {
            ctx.stats.nodesChanged();
        }
    }

    /** The nodes (of {@code nservers}) that slot map {@code map} names. */
    private static boolean[] named(int[] map, int nservers) {
        boolean[] named = new boolean[nservers];
        for (int node : map) {
            if (node != NONE) {
                named[node] = true;
            }
        }
        return named;
    }

    /** True when a request waits to be sent again to node {@code node} (a retry, or its address's lookup). */
    private boolean waitsFor(int node) {
        for (int i = 0; i < ndelayed; i++) {
            if (delayed[i].serverIdx == node) {
                return true;
            }
        }
        return false;
    }

    /**
     * True when a node of map {@code n} waits for its address. With {@code start} (a map just loaded), first
     * starts the lookup of each node of the map that has none (a new node named by host name, or one whose last
     * lookup found nothing: looked up again at each map load, never in a loop).
     */
    private boolean awaitsAddresses(int[] n, boolean start) {
        Server[] ss = pool.servers;
        boolean[] used = named(n, ss.length);
        boolean waits = false;
        for (int i = 0; i < ss.length; i++) {
            Server s = ss[i];
            if (!used[i] || s.lookupBy == null || s.knownAddress() != null) {
                continue;
            }
            if (start) {
                lookUp(s);
            }
            waits |= s.awaitingAddress();
        }
        return waits;
    }

    // ---------------------------------------------------------------- nodes named by host name

    /** Starts looking node {@code s} up off the loop, unless a lookup is under way. */
    void lookUp(Server s) {
        if (s.lookup == Server.LOOKUP_PENDING || ctx == null) {
            return;
        }
        s.lookup = Server.LOOKUP_PENDING;
        NameLookup.lookup(s.conf.host(), s.conf.port(), ctx.evb, a -> looked(s, a));
    }

    /**
     * The answer to node {@code s}'s lookup, on the loop: the node gets (or moves to) the address, the requests
     * held for it go, and a map that waited for it is adopted once no node of it waits any more.
     */
    private void looked(Server s, java.net.InetSocketAddress a) {
        if (s.idx >= pool.servers.length || pool.servers[s.idx] != s) {
            return; // a pool a reload replaced
        }
        java.net.SocketAddress before = s.knownAddress();
        if (a == null) {
            s.lookup = Server.LOOKUP_FAILED;
            if (Log.enabled(Log.LOG_WARN)) {
                Log.warn("pool '" + pool.name + "': cluster node '" + s.name + "' does not resolve"
                        + (before != null ? "; it keeps " + before : ""));
            }
        } else {
            s.lookup = Server.LOOKUP_NONE;
            if (!a.equals(before)) {
                if (Log.enabled(Log.LOG_INFO)) {
                    Log.info("pool '" + pool.name + "' cluster node '" + s.name + "' is at " + a
                            + (before != null ? " (was " + before + ")" : ""));
                }
                s.moveTo(a);
                if (s.idx < nseeds) {
                    // a seed is matched to the cluster's node names by its address (see nodeOf)
                    addrs[s.idx] = a.getAddress().getHostAddress() + ":" + a.getPort();
                }
            }
        }
        long now = ctx.now();
        for (int i = 0; i < ndelayed; i++) {
            if (delayed[i].serverIdx == s.idx) {
                due[i] = now;
            }
        }
        int[] waiting = pendingMap;
        if (waiting != null && !stopped && !awaitsAddresses(waiting, false)) {
            adopt(waiting, pendingFirst);
        }
        arm();
    }

    /** The refresh in flight was lost (its connection failed). */
    void refreshLost(Msg msg) {
        if (msg == refreshMsg) {
            refreshMsg = null;
            refreshWanted = true;
            arm();
        }
    }

    /**
     * A connection to node {@code s} failed: the cluster may be failing over; reload the map. A node named by host
     * name is looked up again (it may have come back elsewhere, as a restarted pod does).
     */
    void nodeFailed(Server s) {
        if (s.lookupBy == this) {
            lookUp(s);
        }
        refresh();
    }

    @Override
    public void range(int from, int to, String host, int port) {
        int node = nodeOf(host, port);
        for (int i = from; i <= to; i++) {
            next[i] = node;
        }
    }

    @Override
    public void target(int slot, String host, int port) {
        tSlot = slot;
        tNode = nodeOf(host, port);
    }

    /**
     * The index of node {@code host:port} (as the cluster names it), added to the pool when first seen. Nodes
     * are matched by address: a seed's resolved IP, an IP literal in its canonical form.
     */
    private int nodeOf(String host, int port) {
        Server[] ss = pool.servers;
        if (host.isEmpty() || host.equals("?")) {
            // an endpoint the node does not know (no hostname announced yet while hostnames are preferred, or
            // behind a load balancer): as redis says, the host of the node that answered, with this port
            host = replyFrom != null ? replyFrom.conf.host() : "";
        }
        String addr = literal(host) + ":" + port;
        for (int i = 0; i < ss.length; i++) {
            if (addr.equals(addrs[i])) {
                return i;
            }
        }
        String name = host + ":" + port;
        for (int i = 0; i < ss.length; i++) {
            if (ss[i].name.equals(name)) {
                return i; // a seed named as the cluster names it (an unresolved host name)
            }
        }
        if (addrs.length <= ss.length) {
            addrs = java.util.Arrays.copyOf(addrs, ss.length << 1);
        }
        addrs[ss.length] = addr;
        Server[] grown = java.util.Arrays.copyOf(ss, ss.length + 1);
        Server added = new Server(pool, ss.length, ConfServer.node(host, port));
        grown[ss.length] = added;
        pool.servers = grown;
        if (!isAddress(host)) {
            added.lookupBy = this; // a host name: looked up off the loop, never at connect
            lookUp(added);
        }
        ctx.stats.nodesChanged();
        if (Log.enabled(Log.LOG_INFO)) {
            Log.info("pool '" + pool.name + "' adds cluster node '" + name + "'");
        }
        return ss.length;
    }

    /** True for an IP literal (IPv4 dotted quad, or IPv6, which a host name cannot be); false for a name. */
    static boolean isAddress(String host) {
        if (host.indexOf(':') >= 0) {
            return true;
        }
        int dots = 0;
        int digits = 0;
        for (int i = 0; i < host.length(); i++) {
            char ch = host.charAt(i);
            if (ch == '.') {
                if (digits == 0) {
                    return false;
                }
                dots++;
                digits = 0;
            } else if (ch >= '0' && ch <= '9' && digits < 3) {
                digits++;
            } else {
                return false;
            }
        }
        return dots == 3 && digits > 0;
    }

    /**
     * An IP literal in its canonical form ({@code ::1} and {@code 0:0:0:0:0:0:0:1} are one address); anything
     * else as it is (never a name lookup: this runs on the loop).
     */
    static String literal(String host) {
        if (host.indexOf(':') < 0) {
            return host; // IPv4 as redis writes it (already canonical), or a name
        }
        try {
            return java.net.InetAddress.getByName(host).getHostAddress(); // an IPv6 literal: parsed, not looked up
        } catch (java.net.UnknownHostException e) {
            return host;
        }
    }

    /** This worker's counters, in StatsClusterField order, into {@code dst} (a stats snapshot). */
    void counters(long[] dst) {
        if (dst.length < 5) {
            return;
        }
        dst[0] = nmoved;
        dst[1] = nask;
        dst[2] = nretry;
        dst[3] = nrefresh;
        int n = 0;
        for (Server s : pool.servers) {
            n += s.departed ? 0 : 1;
        }
        dst[4] = n;
    }

    // ---------------------------------------------------------------- timer

    /**
     * A reload replaced or removed this pool's definition: no more map loads (its timer only serves the requests
     * still waiting here, which go as before).
     */
    void stop() {
        stopped = true;
        pendingMap = null;
        if (ctx != null && ndelayed == 0 && timer.armed()) {
            ctx.evb.delTimer(timer);
        }
    }

    private void arm() {
        if (ctx == null) {
            return;
        }
        if (stopped && ndelayed == 0) {
            if (timer.armed()) {
                ctx.evb.delTimer(timer);
            }
            return;
        }
        long now = ctx.now();
        long when = stopped ? Long.MAX_VALUE : lastRefresh + REFRESH_INTERVAL_MS;
        if (refreshWanted && !stopped) {
            when = Math.min(when, lastRefresh + REFRESH_MIN_GAP_MS);
        }
        if (refreshMsg != null && !stopped) {
            when = Math.min(when, refreshStarted + REFRESH_TIMEOUT_MS);
        }
        for (int i = 0; i < ndelayed; i++) {
            when = Math.min(when, due[i]);
        }
        when = Math.max(when, now + 1);
        if (timer.armed()) {
            if (timer.deadline() <= when) {
                return;
            }
            ctx.evb.delTimer(timer);
        }
        ctx.evb.addTimer(timer, when);
    }

    private void tick() {
        long now = ctx.now();
        int n = ndelayed;
        int kept = 0;
        for (int i = 0; i < n; i++) {
            Msg m = delayed[i];
            if (due[i] <= now) {
                delayed[i] = null;
                int node = m.serverIdx;
                boolean ask = m.asking; // an ASK target is not the slot's owner: it goes where it was asked
                m.asking = false;
                if (!ask && m.fragOwner == null && !m.swallow && m.nkeys > 0) {
                    int idx = index(m);
                    if (idx >= 0) {
                        node = idx;
                    }
                }
                send(m, node < pool.servers.length ? node : 0, ask);
            } else {
                delayed[kept] = m;
                due[kept] = due[i];
                if (kept != i) {
                    delayed[i] = null;
                }
                kept++;
            }
        }
        ndelayed = kept;
        if (refreshWanted || now - lastRefresh >= REFRESH_INTERVAL_MS
                || (refreshMsg != null && now - refreshStarted >= REFRESH_TIMEOUT_MS)) {
            refresh();
        }
        arm();
    }
}
