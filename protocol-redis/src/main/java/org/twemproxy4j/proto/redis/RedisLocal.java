package org.twemproxy4j.proto.redis;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.twemproxy4j.core.msg.Msg;
import org.twemproxy4j.core.proto.ProtoClient;

/**
 * The proxy-local commands beyond PING, QUIT, SELECT and AUTH: ECHO, HELLO and CLIENT, answered from the proxy's
 * own view (cold path: these allocate).
 *
 * <ul>
 *   <li>HELLO [2 [AUTH user pass] [SETNAME name]]: redis's RESP2 map reply (server, version, proto 2, id, mode,
 *       role, modules); HELLO 3 is {@code -NOPROTO} until the proxy speaks RESP3.</li>
 *   <li>CLIENT ID: this connection's number, unique in the process; CLIENT SETNAME and GETNAME: the name kept on
 *       the client connection (HELLO SETNAME sets it too); CLIENT INFO and LIST: one line for this connection
 *       (the proxy's view; other clients are not listed); CLIENT REPLY ON|OFF|SKIP: kept on the client
 *       connection, which drops the replies it mutes (pub/sub pushes excepted); every other subcommand: an
 *       error naming it.</li>
 * </ul>
 */
final class RedisLocal {
    static final String VERSION = "7.0.0";

    private RedisLocal() {
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String upper(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT);
    }

    static void bulk(Msg rsp, byte[] v, ProtoClient c) {
        c.append(rsp, ascii("$" + v.length + "\r\n"));
        c.append(rsp, v);
        c.append(rsp, RedisProto.CRLF);
    }

    private static void bulk(StringBuilder sb, String v) {
        sb.append('$').append(v.length()).append("\r\n").append(v).append("\r\n");
    }

    /** The client's id: unique among the process's clients, stable for the connection's life. */
    static long id(ProtoClient c) {
        return c.clientId();
    }

    /** Redis's rule for a client name: printable ASCII without spaces. */
    private static boolean validName(byte[] n) {
        for (byte b : n) {
            if (b <= ' ' || b > '~') {
                return false;
            }
        }
        return true;
    }

    private static final String BAD_NAME = "-ERR Client names cannot contain spaces, newlines or special characters.\r\n";

    static void hello(byte[][] a, Msg rsp, ProtoClient c) {
        int i = 1;
        if (a.length > 1) {
            long v = RedisProto.parseLong(a[1]);
            if (v == Long.MIN_VALUE) {
                c.append(rsp, ascii("-ERR Protocol version is not an integer or out of range\r\n"));
                return;
            }
            if (v != 2) {
                c.append(rsp, ascii("-NOPROTO unsupported protocol version\r\n"));
                return;
            }
            i = 2;
        }
        boolean authed = false;
        byte[] setName = null;
        for (; i < a.length; i++) {
            String opt = upper(a[i]);
            if (opt.equals("AUTH") && i + 2 < a.length) {
                if (!RedisProto.auth(a[i + 2], a[i + 1], rsp, c, false)) {
                    return;
                }
                authed = true;
                i += 2;
            } else if (opt.equals("SETNAME") && i + 1 < a.length) {
                setName = a[++i];
                if (!validName(setName)) {
                    c.append(rsp, ascii(BAD_NAME));
                    return;
                }
            } else {
                c.append(rsp, ascii("-ERR Syntax error in HELLO option '" + new String(a[i],
                        StandardCharsets.ISO_8859_1) + "'\r\n"));
                return;
            }
        }
        if (!authed && !c.authenticated()) {
            c.append(rsp, ascii("-NOAUTH HELLO must be called with the client already authenticated, otherwise the"
                    + " HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select"
                    + " the RESP protocol version at the same time\r\n"));
            return;
        }
        if (setName != null) {
            c.clientName(setName);
        }
        StringBuilder sb = new StringBuilder("*14\r\n");
        bulk(sb, "server");
        bulk(sb, "redis");
        bulk(sb, "version");
        bulk(sb, VERSION);
        bulk(sb, "proto");
        sb.append(":2\r\n");
        bulk(sb, "id");
        sb.append(':').append(id(c)).append("\r\n");
        bulk(sb, "mode");
        bulk(sb, "standalone");
        bulk(sb, "role");
        bulk(sb, "master");
        bulk(sb, "modules");
        sb.append("*0\r\n");
        c.append(rsp, ascii(sb.toString()));
    }

    /** CLIENT's subcommands in redis 7 (SETINFO since 7.2), by which redis names the command in its errors. */
    private static final java.util.Set<String> CLIENT_SUBCOMMANDS = java.util.Set.of("CACHING", "GETNAME",
            "GETREDIR", "HELP", "ID", "INFO", "KILL", "LIST", "NO-EVICT", "PAUSE", "REPLY", "SETINFO", "SETNAME",
            "TRACKING", "TRACKINGINFO", "UNBLOCK", "UNPAUSE");

    /** How redis names CLIENT {@code a[1]} in an error ("client|reply"), or null for a subcommand it does not know. */
    static String fullName(byte[][] a) {
        String sub = upper(a[1]);
        return CLIENT_SUBCOMMANDS.contains(sub) ? "client|" + sub.toLowerCase(Locale.ROOT) : null;
    }

    static void client(Msg req, byte[][] a, Msg rsp, ProtoClient c) {
        String sub = upper(a[1]);
        switch (sub) {
            case "ID":
                c.append(rsp, ascii(":" + id(c) + "\r\n"));
                return;
            case "SETNAME":
                if (a.length != 3) {
                    break;
                }
                if (!validName(a[2])) {
                    c.append(rsp, ascii(BAD_NAME));
                    return;
                }
                c.clientName(a[2]);
                c.append(rsp, RedisProto.RSP_OK);
                return;
            case "REPLY": {
                if (a.length != 3) {
                    break;
                }
                String mode = upper(a[2]);
                if (mode.equals("ON")) {
                    c.clientReply(req, ProtoClient.REPLY_ON);
                    c.append(rsp, RedisProto.RSP_OK);
                } else if (mode.equals("OFF")) {
                    c.clientReply(req, ProtoClient.REPLY_OFF);
                    c.append(rsp, RedisProto.RSP_OK); // not written: the request is muted
                } else if (mode.equals("SKIP")) {
                    c.clientReply(req, ProtoClient.REPLY_SKIP);
                    c.append(rsp, RedisProto.RSP_OK);
                } else {
                    c.append(rsp, ascii("-ERR syntax error\r\n"));
                }
                return;
            }
            case "SETINFO":
                c.append(rsp, RedisProto.RSP_OK); // a client library's name and version: noted, not kept
                return;
            case "GETNAME": {
                byte[] n = c.clientName();
                if (n == null) {
                    c.append(rsp, RedisProto.RSP_NIL);
                } else {
                    bulk(rsp, n, c);
                }
                return;
            }
            case "INFO":
            case "LIST": {
                byte[] n = c.clientName();
                String line = "id=" + id(c) + " name=" + (n == null ? "" : new String(n, StandardCharsets.ISO_8859_1))
                        + " db=0 cmd=client|" + sub.toLowerCase(Locale.ROOT) + "\n";
                bulk(rsp, ascii(line), c);
                return;
            }
            default:
                c.append(rsp, ascii("-ERR CLIENT " + sub + " is not supported by the proxy\r\n"));
                return;
        }
        c.append(rsp, ascii("-ERR wrong number of arguments for 'client|" + sub.toLowerCase(Locale.ROOT)
                + "' command\r\n"));
    }
}
