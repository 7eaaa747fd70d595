package org.twemproxy4j.it.diff;

import java.util.ArrayList;
import java.util.List;

/**
 * One differential case: raw request bytes (possibly many pipelined commands, possibly in chunks sent with a
 * pause between them) sent on a fresh client connection to one pool, how many replies they should produce, and
 * what twemproxy4j must answer ({@link Expect}).
 */
public final class Case {
    final String group;
    final String name;
    /** pool name (see {@link Cluster}) */
    final String pool;
    /** the request, sent chunk by chunk */
    final List<byte[]> chunks;
    /** pause between chunks, in ms */
    final int pauseMs;
    /** replies the request should produce when nothing goes wrong */
    final int replies;
    /** after the replies, send PING to see whether the connection stays open (false: the request is incomplete) */
    final boolean probe;
    final Expect expect;
    /** also run against the pair of proxies started with -m 512 */
    final boolean mbuf512;
    /** how long to wait for the replies, in ms */
    final int timeoutMs;
    /** total request length in bytes */
    final int length;
    /** the request may leave the proxy's server connections broken: re-establish them after each run */
    final boolean heal;

    private Case(Builder b) {
        this.group = b.group;
        this.name = b.name;
        this.pool = b.pool;
        this.chunks = List.copyOf(b.chunks);
        this.pauseMs = b.pauseMs;
        this.replies = b.replies;
        this.probe = b.probe;
        this.expect = b.expect;
        this.mbuf512 = b.mbuf512;
        this.timeoutMs = b.timeoutMs;
        int n = 0;
        for (byte[] c : chunks) {
            n += c.length;
        }
        this.length = n;
        this.heal = b.heal;
    }

    byte[] request() {
        return Bytes.concat(chunks.toArray(new byte[0][]));
    }

    @Override
    public String toString() {
        return group + " / " + name;
    }

    static Builder builder(String group, String name) {
        return new Builder(group, name);
    }

    /** Builds a case; the defaults are pool "alpha", one chunk, no pause, a probe, expectation SAME. */
    static final class Builder {
        private final String group;
        private final String name;
        private String pool = "alpha";
        private final List<byte[]> chunks = new ArrayList<>();
        private int pauseMs;
        private int replies = -1;
        private boolean probe = true;
        private Expect expect = Expect.same();
        private boolean mbuf512;
        private int timeoutMs = 10_000;
        private boolean heal;

        private Builder(String group, String name) {
            this.group = group;
            this.name = name;
        }

        Builder pool(String p) {
            this.pool = p;
            return this;
        }

        /** The whole request as one chunk. */
        Builder request(byte[] bytes) {
            chunks.clear();
            chunks.add(bytes);
            return this;
        }

        /** The request in chunks sent with {@code pause} ms between them. */
        Builder chunks(List<byte[]> parts, int pause) {
            chunks.clear();
            chunks.addAll(parts);
            this.pauseMs = pause;
            return this;
        }

        Builder replies(int n) {
            this.replies = n;
            return this;
        }

        Builder noProbe() {
            this.probe = false;
            return this;
        }

        Builder expect(Expect e) {
            this.expect = e;
            return this;
        }

        Builder mbuf512(boolean on) {
            this.mbuf512 = on;
            return this;
        }

        /** Forwarded bytes the backend refuses: it closes the proxy's server connection (see {@link Case#heal}). */
        Builder heal() {
            this.heal = true;
            return this;
        }

        Builder timeoutMs(int ms) {
            this.timeoutMs = ms;
            return this;
        }

        Case build() {
            if (chunks.isEmpty() || replies < 0) {
                throw new IllegalStateException("case " + group + "/" + name + " needs a request and a reply count");
            }
            return new Case(this);
        }
    }
}
