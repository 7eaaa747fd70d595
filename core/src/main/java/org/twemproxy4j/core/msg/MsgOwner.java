package org.twemproxy4j.core.msg;

/**
 * What owns a {@link Msg}: the connection that received it (a request's client, a response's server) or the
 * server connection whose timeout a request runs on. The message layer names its owner through this interface
 * only, so that messages and queues depend on nothing above them; the core's connections implement it.
 */
public interface MsgOwner {
    /** 'c' for a client connection, 's' for a server connection (nutcracker's log letters). */
    char typeChar();
}
