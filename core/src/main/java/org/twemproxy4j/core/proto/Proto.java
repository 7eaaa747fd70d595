package org.twemproxy4j.core.proto;

import org.twemproxy4j.core.msg.Msg;

/**
 * Mirrors the per-protocol function table that nc_message.c wires into every {@code struct msg}
 * (parser, fragment, reply, failure, add_auth, post_connect, swallow_msg) and nc_proto.h's functions.
 * Each protocol module (redis, memcache) provides one stateless implementation and registers it in the
 * core's {@code MapBinder<String, Proto>} under {@link #name()}.
 *
 * <p>A protocol sees messages ({@link Msg}) and the client through {@link ProtoClient}, never the core's
 * connections, pools or loop: this package and {@code core.msg} depend on nothing above them.
 *
 * <p>Implementations must be stateless or immutable: one instance serves every core (loop thread) of the
 * process; all per-message state lives in {@link Msg}.
 */
public interface Proto {
    /**
     * {@link Msg#perr} set by the core on a request whose keys live on several servers while the command can be
     * neither split nor sent to one server: {@link #reply} answers it with an error.
     */
    int PERR_CROSS_SERVER = 1000;

    /** {@link Msg#perr}: as {@link #PERR_CROSS_SERVER}, in a redis_cluster pool (keys in several slots). */
    int PERR_CROSS_SLOT = 1100;
    // sessions (see {@link #sessionOp}): the proxy's own replies, as Msg.perr values answered by reply()
    /** Over {@code session_connections}: no dedicated connection is left for this server. */
    int PERR_SESSION_LIMIT = 1001;
    /** Inside MULTI, a command whose keys map to another server than the transaction's. */
    int PERR_TX_CROSS = 1002;
    /** MULTI (or UNWATCH, DISCARD) answered by the proxy: OK. */
    int PERR_TX_OK = 1003;
    /** EXEC of a transaction that queued nothing: an empty array. */
    int PERR_TX_EMPTY = 1004;
    /** EXEC after a queued error: the transaction is discarded. */
    int PERR_TX_ABORT = 1005;
    /** MULTI inside MULTI. */
    int PERR_TX_NESTED = 1006;
    /** EXEC without MULTI. */
    int PERR_EXEC_NO_MULTI = 1007;
    /** DISCARD without MULTI. */
    int PERR_DISCARD_NO_MULTI = 1008;
    /** WATCH inside MULTI. */
    int PERR_WATCH_IN_MULTI = 1009;
    /** A command the proxy cannot queue in a transaction (whole-pool, pub/sub). */
    int PERR_TX_UNSUPPORTED = 1010;
    /** A command other than (un)subscribe, PING, QUIT, RESET while the client is subscribed. */
    int PERR_SUBSCRIBED = 1011;
    /** RESET: the proxy ended the client's sessions. */
    int PERR_RESET = 1012;

    /** {@link #sessionOp}: an ordinary request. */
    int SESSION_NONE = 0;
    /** A blocking command, by its keys, on the client's session connection ({@link #blockMillis}). */
    int SESSION_BLOCK = 1;
    int SESSION_WATCH = 2;
    int SESSION_UNWATCH = 3;
    int SESSION_MULTI = 4;
    int SESSION_EXEC = 5;
    int SESSION_DISCARD = 6;
    /** SUBSCRIBE channel...: each channel placed like a key. */
    int SESSION_SUBSCRIBE = 7;
    int SESSION_UNSUBSCRIBE = 8;
    /** PSUBSCRIBE pattern...: on every server. */
    int SESSION_PSUBSCRIBE = 9;
    int SESSION_PUNSUBSCRIBE = 10;
    /** SSUBSCRIBE shardchannel...: each placed like a key. */
    int SESSION_SSUBSCRIBE = 11;
    int SESSION_SUNSUBSCRIBE = 12;
    int SESSION_RESET = 13;
    /** A command the proxy answers itself, but queues when the client is inside MULTI (redis: PING, ECHO). */
    int SESSION_QUEUE_LOCAL = 14;

    /** {@link #route}: by the request's keys (server_pool_idx); keys on several servers get PERR_CROSS_SERVER. */
    int ROUTE_KEYS = -1;
    /** {@link #route}: split by key group into one fragment per server holding some (redis_fragment). */
    int ROUTE_SPLIT = -2;
    /** {@link #route}: one fragment for every server of the pool, each written by {@link #fragmentTo}. */
    int ROUTE_ALL = -3;

    /** The protocol's name in the plugin map: {@code "redis"} or {@code "memcache"}. */
    String name();

    /**
     * Parses a request from {@code r.pos} in {@code r.mhdr.last()}; returns a {@link ParseResult}. On OK the
     * message's keys are recorded ({@link Msg#addKey}) and, when the proxy must answer it itself,
     * {@code r.noforward} is set (and {@code r.quit} for a close after the reply). On ERROR {@code r.perr}
     * names the framing error, and the core answers it (via {@link #reply}) after every earlier reply, then
     * closes the client.
     */
    int parseRequest(Msg r);

    /** Parses a response, as {@link #parseRequest}. ERROR closes the server connection. */
    int parseResponse(Msg r);

    /**
     * Writes the proxy's own reply to request {@code req} into {@code rsp} (req_make_reply + msg->reply):
     * local commands, error replies for commands the proxy rejects, authentication.
     */
    void reply(Msg req, Msg rsp, ProtoClient c);

    /** The reply a client gets when its request failed with {@code errno} (msg_get_error), e.g. "-ERR ...". */
    byte[] errorReply(int errno);

    /** True when the response means the server is failing (redis: -OOM, -BUSY, -LOADING): close it. */
    boolean failure(Msg rsp);

    /** The request that authenticates a new server connection with {@code password} (add_auth). */
    byte[] authRequest(String password);

    /** The request sent first on each new server connection for {@code db} > 0 (post_connect), or null. */
    byte[] selectRequest(int db);

    /**
     * Sees the response of a swallowed request (AUTH, SELECT) of server {@code server} before it is dropped
     * (swallow_msg): e.g. logs a failure.
     */
    void swallowMsg(String server, Msg pmsg, Msg rsp);

    /**
     * True when request {@code r} must not wait behind the requests already sent on the shared connections: it is
     * sent on a connection of its own, opened for it and closed once answered (redis SCRIPT KILL and FUNCTION
     * KILL, which must reach a server busy with a script that earlier requests on the shared connection started).
     * Cheap: asked for every request sent to a server.
     */
    default boolean outOfBand(Msg r) {
        return false;
    }

    /**
     * Where a parsed, forwardable request goes in a pool of {@code nserver} servers: {@link #ROUTE_KEYS}
     * (nutcracker's only way), {@link #ROUTE_SPLIT}, {@link #ROUTE_ALL}, or a server index {@code >= 0} (one
     * fragment to that server, written by {@link #fragmentTo}; e.g. a SCAN whose cursor names its server).
     * Every route but ROUTE_KEYS answers the client with {@link #coalesce}.
     */
    default int route(Msg r, int nserver) {
        return ROUTE_KEYS;
    }

    /**
     * Mirrors redis_fragment_argx(), for {@link #ROUTE_SPLIT}: writes into {@code sub} the request that carries
     * key groups {@code groups[0..n)} of {@code r} (a group is one key, or one key and its value for MSET).
     */
    default void fragment(Msg r, int[] groups, int n, Msg sub, ProtoClient c) {
        throw new UnsupportedOperationException(name() + " does not split requests");
    }

    /**
     * For {@link #ROUTE_ALL} and a routed server index: writes into {@code sub} the request that server
     * {@code server} of {@code nserver} gets for {@code r}. Like every fragment, it must be a request the server
     * answers (no {@code noreply}): its reply completes {@code r}, and a {@code noreply} {@code r} is then freed
     * without a reply to the client.
     */
    default void fragmentTo(Msg r, int server, int nserver, Msg sub, ProtoClient c) {
        throw new UnsupportedOperationException(name() + " does not fan requests out");
    }

    /**
     * Mirrors the post-coalesce handlers: merges the responses of {@code r.frags[0..r.nfrag)} (each fragment's
     * reply is its {@code peer}, its server {@code serverIdx}) into {@code rsp}, the one reply the client sees.
     * Returns false when a fragment's reply has an unexpected type (the client then gets the EINVAL error reply).
     */
    default boolean coalesce(Msg r, Msg rsp, ProtoClient c) {
        return false;
    }

    /** {@link #redirect}: not a redirection. */
    int REDIRECT_NONE = 0;
    /** {@link #redirect}: -MOVED slot host:port (the slot lives there now). */
    int REDIRECT_MOVED = 1;
    /** {@link #redirect}: -ASK slot host:port (this one request goes there, after ASKING). */
    int REDIRECT_ASK = 2;
    /** {@link #redirect}: -TRYAGAIN or -CLUSTERDOWN (try again a little later). */
    int REDIRECT_RETRY = 3;

    /**
     * Classifies a response of a cluster node (redis_cluster pools only): one of the {@code REDIRECT_*} kinds.
     * Must be cheap: it sees every response of such a pool.
     */
    default int redirect(Msg rsp) {
        return REDIRECT_NONE;
    }

    /**
     * For a MOVED or ASK response: fills {@code out} with the slot and the node it names. Returns false when
     * the response cannot be read so. Cold path (may allocate).
     */
    default boolean redirectTarget(Msg rsp, ClusterTopology out) {
        return false;
    }

    /** The request that asks a cluster node for the slot map (CLUSTER SLOTS), or null. */
    default byte[] clusterSlotsRequest() {
        return null;
    }

    /** The request that lets the next request reach a slot being imported (ASKING), or null. */
    default byte[] askingRequest() {
        return null;
    }

    /**
     * Reads the reply to {@link #clusterSlotsRequest} into {@code out} (one {@link ClusterTopology#range} per
     * slot range, its master first). Returns false when the reply is not a slot map. Cold path.
     */
    default boolean clusterSlots(Msg rsp, ClusterTopology out) {
        return false;
    }

    /**
     * Sessions: the session operation of a parsed, forwardable request ({@link #SESSION_NONE} for every
     * request that rides the shared server connections). Must be cheap: it is asked for every request.
     */
    default int sessionOp(Msg r) {
        return SESSION_NONE;
    }

    /** For {@link #SESSION_BLOCK}: how long the command may block, in ms; 0 blocks for ever. */
    default long blockMillis(Msg r) {
        return 0;
    }

    /** The request the proxy itself sends on a session connection for {@code op} (MULTI, DISCARD, ...). */
    default byte[] sessionRequest(int op) {
        throw new UnsupportedOperationException(name() + " has no sessions");
    }

    /**
     * True when {@code rsp}, read on a subscribed session connection, is a message pushed by the server (not
     * the reply to a request).
     */
    default boolean push(Msg rsp) {
        return false;
    }

    /** True when {@code rsp} is an error reply (redis: {@code -...}). */
    default boolean isError(Msg rsp) {
        return false;
    }

    /**
     * Appends to {@code rsp} one confirmation of subscribe operation {@code op} for {@code channel} (null: none)
     * with {@code count} subscriptions, as the server would send it to a client holding all of them.
     */
    default void pubsubReply(int op, byte[] channel, long count, Msg rsp, ProtoClient c) {
        throw new UnsupportedOperationException(name() + " has no pub/sub");
    }
}
