package org.twemproxy4j.core.proto;

import org.twemproxy4j.core.ClientConn;
import org.twemproxy4j.core.Msg;
import org.twemproxy4j.core.ServerConn;

/**
 * Mirrors the per-protocol function table that nc_message.c wires into every {@code struct msg}
 * (parser, fragment, reply, failure, add_auth, post_connect, swallow_msg) and nc_proto.h's functions.
 * Each protocol module (redis, memcache) provides one stateless implementation and registers it in the
 * core's {@code MapBinder<String, Proto>} under {@link #name()}.
 *
 * <p>Implementations must be stateless or immutable: one instance serves every core (loop thread) of the
 * process; all per-message state lives in {@link Msg}.
 */
public interface Proto {
    /**
     * {@link Msg#perr} set by the core on a multi-key request whose keys live on several servers while
     * fragmentation is not available: {@link #reply} answers it with an error.
     */
    int PERR_CROSS_SERVER = 1000;

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
     * local commands, error replies for commands the proxy rejects, authentication. {@code c} is the client.
     * Appends with {@code ctx} helpers of {@link ClientConn#append(Msg, byte[])}.
     */
    void reply(Msg req, Msg rsp, ClientConn c);

    /** The reply a client gets when its request failed with {@code errno} (msg_get_error), e.g. "-ERR ...". */
    byte[] errorReply(int errno);

    /** True when the response means the server is failing (redis: -OOM, -BUSY, -LOADING): close it. */
    boolean failure(Msg rsp);

    /** The request that authenticates a new server connection with {@code password} (add_auth). */
    byte[] authRequest(String password);

    /** The request sent first on each new server connection for {@code db} > 0 (post_connect), or null. */
    byte[] selectRequest(int db);

    /** Sees the response of a swallowed request before it is dropped (swallow_msg): e.g. logs a failed SELECT. */
    void swallowMsg(ServerConn conn, Msg pmsg, Msg rsp);

    /**
     * True when {@code r}, a forwardable request whose keys map to several servers, can be split into one
     * request per server (redis: MGET DEL UNLINK TOUCH EXISTS MSET). Otherwise the client gets an error.
     */
    default boolean fragmentable(Msg r) {
        return false;
    }

    /**
     * Mirrors redis_fragment_argx(): writes into {@code sub} the request that carries key groups
     * {@code groups[0..n)} of {@code r} (a group is one key, or one key and its value for MSET).
     */
    default void fragment(Msg r, int[] groups, int n, Msg sub, ClientConn c) {
        throw new UnsupportedOperationException(name() + " does not fragment");
    }

    /**
     * Mirrors the post-coalesce handlers: merges the responses of {@code r.frags} into {@code rsp}, the one
     * reply the client sees. Returns false when a fragment's reply has an unexpected type (the client then
     * gets the EINVAL error reply).
     */
    default boolean coalesce(Msg r, Msg rsp, ClientConn c) {
        return false;
    }
}
