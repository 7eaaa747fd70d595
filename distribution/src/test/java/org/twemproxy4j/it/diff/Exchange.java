package org.twemproxy4j.it.diff;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Plays one case on a fresh client connection: a writer thread sends the chunks (with the case's pause between
 * them) while this thread reads until the expected number of replies arrived, the peer closed, or the wait ran
 * out; then it learns whether the connection stays open by sending a probe PING (or, for an incomplete request,
 * by waiting a moment for anything more).
 */
public final class Exchange implements AutoCloseable {
    static final byte[] PROBE = Bytes.cmd("PING");
    /** how long an incomplete request is watched for further bytes or a close */
    static final int SILENCE_MS = 500;
    /** how long to wait for the probe's answer */
    static final int PROBE_MS = 3000;

    private final ExecutorService writers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "diff-writer");
        t.setDaemon(true);
        return t;
    });

    /** Sends the case to 127.0.0.1:port and records what came back. */
    public Outcome run(String who, int port, Case c) {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 3000);
            return play(who, s, c);
        } catch (IOException e) {
            return new Outcome(who, new byte[0], new int[0], 0, Outcome.End.CLOSED, null,
                    "could not connect: " + e);
        }
    }

    private Outcome play(String who, Socket s, Case c) throws IOException {
        OutputStream out = s.getOutputStream();
        InputStream in = s.getInputStream();
        Future<?> writer = writers.submit(() -> {
            for (int i = 0; i < c.chunks.size(); i++) {
                out.write(c.chunks.get(i));
                out.flush();
                if (c.pauseMs > 0 && i < c.chunks.size() - 1) {
                    Thread.sleep(c.pauseMs); // the case's own pacing between its chunks (the scenario)
                }
            }
            return null;
        });
        Reader r = new Reader(in, s);
        long deadline = System.nanoTime() + c.timeoutMs * 1_000_000L;
        Outcome.End end = r.readReplies(c.replies, deadline);
        byte[] probeReply = null;
        if (end == null) {
            awaitWriter(writer, deadline);
            if (c.probe) {
                int before = r.count;
                try {
                    out.write(PROBE);
                    out.flush();
                } catch (IOException e) {
                    // the peer has closed: the read below sees it
                }
                end = r.readReplies(before + 1, System.nanoTime() + PROBE_MS * 1_000_000L);
                if (end == null) {
                    end = Outcome.End.OPEN;
                    int from = r.count >= 2 ? r.ends[r.count - 2] : 0;
                    probeReply = Arrays.copyOfRange(r.buf, from, r.ends[r.count - 1]);
                }
            } else {
                end = r.drain(SILENCE_MS);
            }
        }
        writer.cancel(true);
        int caseReplies = probeReply != null ? r.count - 1 : r.count;
        return new Outcome(who, Arrays.copyOf(r.buf, r.len), Arrays.copyOf(r.ends, r.count), caseReplies, end,
                probeReply, r.note);
    }

    private static void awaitWriter(Future<?> writer, long deadline) {
        try {
            writer.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000L), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // a failed or slow writer shows up in what the client read
        }
    }

    @Override
    public void close() {
        writers.shutdownNow();
    }

    /** Accumulates received bytes and the end offsets of complete replies. */
    private static final class Reader {
        private final InputStream in;
        private final Socket socket;
        byte[] buf = new byte[8192];
        int len;
        int[] ends = new int[64];
        int count;
        private int scanned;
        private boolean malformed;
        String note;
        private final byte[] tmp = new byte[65536];

        Reader(InputStream in, Socket socket) {
            this.in = in;
            this.socket = socket;
        }

        /** Reads until {@code want} replies are complete (null), or returns CLOSED / SILENT. */
        Outcome.End readReplies(int want, long deadline) {
            while (count < want) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return Outcome.End.SILENT;
                }
                Outcome.End e = readOnce((int) Math.min(left, Integer.MAX_VALUE));
                if (e != null) {
                    return e;
                }
            }
            return null;
        }

        /** Reads whatever arrives within {@code ms} after the last byte: CLOSED or SILENT. */
        Outcome.End drain(int ms) {
            while (true) {
                Outcome.End e = readOnce(ms);
                if (e != null) {
                    return e;
                }
            }
        }

        private Outcome.End readOnce(int timeoutMs) {
            int n;
            try {
                socket.setSoTimeout(Math.max(1, timeoutMs));
                n = in.read(tmp);
            } catch (SocketTimeoutException e) {
                return Outcome.End.SILENT;
            } catch (IOException e) {
                note = "read failed: " + e.getMessage();
                return Outcome.End.CLOSED;
            }
            if (n < 0) {
                return Outcome.End.CLOSED;
            }
            append(n);
            return null;
        }

        private void append(int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(tmp, 0, buf, len, n);
            len += n;
            while (!malformed) {
                int e = RespScanner.end(buf, scanned, len);
                if (e == RespScanner.INCOMPLETE) {
                    break;
                }
                if (e == RespScanner.MALFORMED) {
                    malformed = true;
                    note = "unparseable reply bytes from offset " + scanned;
                    break;
                }
                if (count == ends.length) {
                    ends = Arrays.copyOf(ends, count * 2);
                }
                ends[count++] = e;
                scanned = e;
            }
        }
    }
}
