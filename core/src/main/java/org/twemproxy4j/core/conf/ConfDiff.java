package org.twemproxy4j.core.conf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * What a configuration reload changes: two validated configurations compared pool by pool, by name (beyond
 * nutcracker, which has no reload). A pool is <em>unchanged</em> when every key is the same (its servers with
 * the same entries in the same order), <em>changed</em> when any key differs, <em>added</em> or
 * <em>removed</em> by its name. The diff says which keys changed, for the log.
 *
 * <p>Immutable; thread-safe.
 */
public final class ConfDiff {
    private final Conf from;
    private final Conf to;
    private final List<String> unchanged = new ArrayList<>();
    private final List<String> changed = new ArrayList<>();
    private final List<String> added = new ArrayList<>();
    private final List<String> removed = new ArrayList<>();
    private final List<String> moved = new ArrayList<>(); // changed pools whose listen differs
    private final List<String> details = new ArrayList<>(); // "pool 'a': servers, hash" ...

    private ConfDiff(Conf from, Conf to) {
        this.from = from;
        this.to = to;
        for (ConfPool p : to.pools()) {
            ConfPool old = find(from, p.name());
            if (old == null) {
                added.add(p.name());
                continue;
            }
            List<String> keys = differingKeys(old, p);
            if (keys.isEmpty()) {
                unchanged.add(p.name());
            } else {
                changed.add(p.name());
                details.add("pool '" + p.name() + "': " + String.join(", ", keys));
                if (keys.contains("listen")) {
                    moved.add(p.name());
                }
            }
        }
        for (ConfPool p : from.pools()) {
            if (find(to, p.name()) == null) {
                removed.add(p.name());
            }
        }
    }

    /** The difference from {@code from} (running) to {@code to} (the file just read). */
    public static ConfDiff of(Conf from, Conf to) {
        return new ConfDiff(Objects.requireNonNull(from), Objects.requireNonNull(to));
    }

    /** The pool called {@code name} in {@code c}, or null. */
    public static ConfPool find(Conf c, String name) {
        for (ConfPool p : c.pools()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    /** The keys whose values differ between two definitions of a pool, in the order nutcracker documents them. */
    public static List<String> differingKeys(ConfPool a, ConfPool b) {
        List<String> k = new ArrayList<>();
        if (!a.listen().pname().equals(b.listen().pname())) {
            k.add("listen");
        }
        if (a.hash() != b.hash()) {
            k.add("hash");
        }
        if (!Objects.equals(a.hashTag(), b.hashTag())) {
            k.add("hash_tag");
        }
        if (a.distribution() != b.distribution()) {
            k.add("distribution");
        }
        if (a.timeout() != b.timeout()) {
            k.add("timeout");
        }
        if (a.backlog() != b.backlog()) {
            k.add("backlog");
        }
        if (a.clientConnections() != b.clientConnections()) {
            k.add("client_connections");
        }
        if (a.redis() != b.redis()) {
            k.add("redis");
        }
        if (a.tcpkeepalive() != b.tcpkeepalive()) {
            k.add("tcpkeepalive");
        }
        if (a.reuseport() != b.reuseport()) {
            k.add("reuseport");
        }
        if (!Objects.equals(a.redisAuth(), b.redisAuth())) {
            k.add("redis_auth");
        }
        if (a.redisDb() != b.redisDb()) {
            k.add("redis_db");
        }
        if (a.preconnect() != b.preconnect()) {
            k.add("preconnect");
        }
        if (a.autoEjectHosts() != b.autoEjectHosts()) {
            k.add("auto_eject_hosts");
        }
        if (a.serverConnections() != b.serverConnections()) {
            k.add("server_connections");
        }
        if (a.sessionConnections() != b.sessionConnections()) {
            k.add("session_connections");
        }
        if (a.serverRetryTimeout() != b.serverRetryTimeout()) {
            k.add("server_retry_timeout");
        }
        if (a.serverFailureLimit() != b.serverFailureLimit()) {
            k.add("server_failure_limit");
        }
        if (a.redisCluster() != b.redisCluster()) {
            k.add("redis_cluster");
        }
        if (!sameServers(a.servers(), b.servers())) {
            k.add("servers");
        }
        if (!sameSentinels(a.sentinels(), b.sentinels())) {
            k.add("sentinels");
        }
        return k;
    }

    private static boolean sameSentinels(List<ConfSentinel> a, List<ConfSentinel> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).pname().equals(b.get(i).pname())) {
                return false;
            }
        }
        return true;
    }

    private static boolean sameServers(List<ConfServer> a, List<ConfServer> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            ConfServer x = a.get(i);
            ConfServer y = b.get(i);
            if (!x.pname().equals(y.pname()) || !x.name().equals(y.name())) {
                return false;
            }
        }
        return true;
    }

    public Conf from() {
        return from;
    }

    public Conf to() {
        return to;
    }

    /** True when the new file defines exactly the running pools (a reload that changes nothing). */
    public boolean empty() {
        return changed.isEmpty() && added.isEmpty() && removed.isEmpty() && samePoolOrder();
    }

    private boolean samePoolOrder() {
        List<ConfPool> a = from.pools();
        List<ConfPool> b = to.pools();
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).name().equals(b.get(i).name())) {
                return false;
            }
        }
        return true;
    }

    public List<String> unchanged() {
        return Collections.unmodifiableList(unchanged);
    }

    public List<String> changed() {
        return Collections.unmodifiableList(changed);
    }

    public List<String> added() {
        return Collections.unmodifiableList(added);
    }

    public List<String> removed() {
        return Collections.unmodifiableList(removed);
    }

    /** Changed pools whose {@code listen} moved. */
    public List<String> moved() {
        return Collections.unmodifiableList(moved);
    }

    /** One line for the log: what was added, removed and changed (with the keys), and listeners moved. */
    public String summary() {
        if (empty()) {
            return "nothing changed";
        }
        StringBuilder b = new StringBuilder();
        b.append("added ").append(added).append(", removed ").append(removed).append(", changed ").append(changed);
        if (!details.isEmpty()) {
            b.append(" (").append(String.join("; ", details)).append(')');
        }
        if (!moved.isEmpty()) {
            b.append(", listeners moved ").append(moved);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
