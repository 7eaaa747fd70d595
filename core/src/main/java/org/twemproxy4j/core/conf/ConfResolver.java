package org.twemproxy4j.core.conf;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;

/**
 * Mirrors {@code nc_resolve()} (nc_util.c) as {@code conf_set_listen()} uses it: a unix path must fit in
 * {@code sun_path}; a host must resolve with {@code getaddrinfo(AF_UNSPEC)}. We only resolve, never connect, and
 * keep no address.
 *
 * <p>The JDK reads some names itself before asking the system resolver, and reads them differently from glibc:
 * it takes {@code ""} as localhost, accepts {@code [::1]} and {@code ::1%lo}, refuses {@code 0x7f.1} and
 * {@code *}. Those forms (empty, bracketed, numeric IPv4, scoped IPv6, {@code *}) are decided here as glibc
 * decides them; every other name goes to {@link InetAddress}, which asks {@code getaddrinfo()}.
 *
 * <p>Thread-safe.
 */
final class ConfResolver {
    /** {@code NC_UNIX_ADDRSTRLEN}: the size of {@code sun_path} on Linux. */
    static final int NC_UNIX_ADDRSTRLEN = 108;

    private ConfResolver() {
    }

    /** {@code nc_resolve_unix()}: the path, with its terminating NUL, must fit in {@code sun_path}. */
    static boolean resolvableUnix(byte[] path) {
        return path.length < NC_UNIX_ADDRSTRLEN;
    }

    /** {@code nc_resolve_inet()}: true when {@code getaddrinfo()} would find at least one address. */
    static boolean resolvableInet(byte[] name) {
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++; // a C string ends at the first NUL
        }
        String host = ConfStrings.string(name, 0, len);
        if (host.equals("*")) {
            return true; // glibc's getaddrinfo() reads "*" as no node at all
        }
        if (host.isEmpty() || host.charAt(0) == '[') {
            return false; // glibc reads neither as an address, nor finds them as names
        }
        int scope = host.indexOf('%');
        if (scope >= 0) {
            return resolvableScoped(host.substring(0, scope), host.substring(scope + 1));
        }
        if (looksNumeric(host)) {
            if (ConfStrings.inetAtonExact(host)) {
                return true;
            }
            if (onlyDigitsAndDots(host)) {
                return false; // not an IPv4 address for glibc, which the JDK might still read as one
            }
        }
        try {
            return InetAddress.getAllByName(host).length > 0;
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
    }

    /**
     * An IPv6 address with a zone, as glibc reads {@code addr%scope}: the address must be an IPv6 literal; the
     * scope an interface name (for link-local and link- or node-local multicast addresses only) or a decimal
     * number that fits in 32 bits. Anything else goes to the name services, which find nothing.
     */
    private static boolean resolvableScoped(String addr, String scope) {
        if (addr.indexOf(':') < 0) {
            return false;
        }
        byte[] a;
        try {
            InetAddress ia = InetAddress.getByName(addr); // a literal: the JDK parses it, no lookup
            if (!(ia instanceof Inet6Address) && !addr.contains(".")) {
                return false;
            }
            a = ia.getAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return false;
        }
        boolean linkScoped = a.length == 16 && (((a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80)
                || ((a[0] & 0xff) == 0xff && ((a[1] & 0x0f) == 1 || (a[1] & 0x0f) == 2)));
        if (linkScoped && !scope.isEmpty()) {
            try {
                if (NetworkInterface.getByName(scope) != null) {
                    return true;
                }
            } catch (SocketException | RuntimeException e) {
                // fall through to the numeric form
            }
        }
        if (scope.isEmpty() || scope.charAt(0) < '0' || scope.charAt(0) > '9') {
            return false;
        }
        long v = 0;
        for (int i = 0; i < scope.length(); i++) {
            char c = scope.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            v = v * 10 + (c - '0');
            if (v > 0xffffffffL) {
                return false;
            }
        }
        return true;
    }

    private static boolean looksNumeric(String s) {
        if (s.charAt(0) < '0' || s.charAt(0) > '9') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c == '.' || c == 'x' || c == 'X' || (c < 0x80 && Character.digit(c, 16) >= 0))) {
                return false;
            }
        }
        return true;
    }

    private static boolean onlyDigitsAndDots(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }
}
