package org.twemproxy4j.core.proto;

import org.twemproxy4j.core.msg.Msg;

/**
 * The client connection as a protocol sees it: the narrow surface a {@link Proto} needs to build a reply or a
 * fragment (append bytes taken from the loop's mbuf pool, copy a key span, a scratch number buffer) and to
 * answer AUTH (the client's authentication state and the pool's password). The core's client connection
 * implements it; protocols never see connections, pools or the loop. Event-loop confined.
 */
public interface ProtoClient {
    /** Appends {@code data} to {@code msg} (msg_append), taking mbufs from the loop's pool as needed. */
    void append(Msg msg, byte[] data);

    /** Appends {@code len} bytes of {@code data} from {@code off} to {@code msg}. */
    void append(Msg msg, byte[] data, int off, int len);

    /** Appends the bytes of key entry {@code i} of {@code src} (possibly spanning mbufs) to {@code dst}. */
    void appendKey(Msg dst, Msg src, int i);

    /**
     * Appends {@code len} bytes of {@code src}'s chain, starting at absolute offset {@code from} in its mbuf
     * {@code m}, to {@code dst} (a span recorded by a parser: a reply element, a request argument).
     */
    void appendSpan(Msg dst, org.twemproxy4j.mbuf.Mbuf m, int from, int len);

    /**
     * A scratch array of 24 bytes (a decimal long with a type byte and CRLF) for building a header without
     * allocating; valid until the next call on this connection.
     */
    byte[] numScratch();

    /** conn_authenticated(): true when the pool has no password or this client has authenticated. */
    boolean authenticated();

    /** Records the outcome of the client's AUTH. */
    void authenticated(boolean a);

    /** The pool's password ({@code redis_auth}) as bytes, or null when the pool has none. */
    byte[] password();

    /** A number that names this client connection among all of the process's clients, for its whole life. */
    long clientId();

    /** The name the client gave itself (redis CLIENT SETNAME, HELLO SETNAME), or null. */
    byte[] clientName();

    /** Records the client's name (null or empty clears it). */
    void clientName(byte[] name);

    /** The client connections of this client's pool, over every worker of the process (INFO's own view). */
    long poolClients();

    /**
     * SCAN over a pool: the position (server index, or a cluster pool's slot position) whose iteration comes
     * after the one at {@code position} of {@code npositions} ended; 0 when the whole pool was scanned.
     */
    default int scanNext(int position, int npositions) {
        return position + 1 < npositions ? position + 1 : 0;
    }

    /** True while the client holds pub/sub subscriptions through the proxy (PING then answers as redis does). */
    default boolean subscribed() {
        return false;
    }

    /** CLIENT REPLY: replies are written (the default). */
    int REPLY_ON = 0;
    /** CLIENT REPLY OFF: no reply is written until CLIENT REPLY ON; pub/sub pushes still are. */
    int REPLY_OFF = 1;
    /** CLIENT REPLY SKIP: the reply of the next request is not written. */
    int REPLY_SKIP = 2;

    /**
     * CLIENT REPLY {@code mode} ({@link #REPLY_ON}, {@link #REPLY_OFF}, {@link #REPLY_SKIP}) from request
     * {@code req}, which is answered (+OK) only when the mode is ON. A client without the feature ignores it.
     */
    default void clientReply(Msg req, int mode) {
    }

    /** True while the client is between MULTI and EXEC/DISCARD of a transaction through the proxy. */
    default boolean inTransaction() {
        return false;
    }
}
