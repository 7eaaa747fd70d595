package org.twemproxy4j.core.util;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.channels.UnresolvedAddressException;

/**
 * The errno values nutcracker stores in {@code conn->err}/{@code msg->err}, with glibc's {@code strerror}
 * text, which reaches clients in synthesized replies ({@code -ERR Connection refused}). Java reports socket
 * failures as exceptions; {@link #of(Throwable)} maps them back at the connection boundary.
 */
public final class NcErrno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EINVAL = 22;
    public static final int EMFILE = 24;
    public static final int EPIPE = 32;
    public static final int EAGAIN = 11;
    public static final int ENETDOWN = 100;
    public static final int ENETUNREACH = 101;
    public static final int ECONNABORTED = 103;
    public static final int ECONNRESET = 104;
    public static final int ENOTCONN = 107;
    public static final int ETIMEDOUT = 110;
    public static final int ECONNREFUSED = 111;
    public static final int EHOSTDOWN = 112;
    public static final int EHOSTUNREACH = 113;

    private NcErrno() {
    }

    /** glibc's strerror text; 0 is "unknown", as msg_get_error() says for a zero errno. */
    public static String strerror(int err) {
        switch (err) {
            case 0: return "unknown";
            case EPERM: return "Operation not permitted";
            case ENOENT: return "No such file or directory";
            case EINTR: return "Interrupted system call";
            case EAGAIN: return "Resource temporarily unavailable";
            case ENOMEM: return "Cannot allocate memory";
            case EACCES: return "Permission denied";
            case EINVAL: return "Invalid argument";
            case EMFILE: return "Too many open files";
            case EPIPE: return "Broken pipe";
            case ENETDOWN: return "Network is down";
            case ENETUNREACH: return "Network is unreachable";
            case ECONNABORTED: return "Software caused connection abort";
            case ECONNRESET: return "Connection reset by peer";
            case ENOTCONN: return "Transport endpoint is not connected";
            case ETIMEDOUT: return "Connection timed out";
            case ECONNREFUSED: return "Connection refused";
            case EHOSTDOWN: return "Host is down";
            case EHOSTUNREACH: return "No route to host";
            default: return "Unknown error " + err;
        }
    }

    /** The errno an I/O exception stands for (cold path: only on failures). */
    public static int of(Throwable e) {
        if (e instanceof UnresolvedAddressException) {
            return EHOSTDOWN;
        }
        if (e instanceof SocketTimeoutException) {
            return ETIMEDOUT;
        }
        if (e instanceof NoRouteToHostException) {
            return EHOSTUNREACH;
        }
        String m = e.getMessage();
        if (m != null) {
            if (m.contains("refused")) {
                return ECONNREFUSED;
            }
            if (m.contains("reset")) {
                return ECONNRESET;
            }
            if (m.contains("Broken pipe")) {
                return EPIPE;
            }
            if (m.contains("timed out")) {
                return ETIMEDOUT;
            }
            if (m.contains("No route")) {
                return EHOSTUNREACH;
            }
            if (m.contains("unreachable")) {
                return ENETUNREACH;
            }
            if (m.contains("No such file")) {
                return ENOENT;
            }
            if (m.contains("Permission denied")) {
                return EACCES;
            }
            if (m.contains("not connected")) {
                return ENOTCONN;
            }
            if (m.contains("abort")) {
                return ECONNABORTED;
            }
        }
        if (e instanceof ConnectException) {
            return ECONNREFUSED;
        }
        if (e instanceof IOException) {
            return ECONNRESET;
        }
        return EINVAL;
    }
}
