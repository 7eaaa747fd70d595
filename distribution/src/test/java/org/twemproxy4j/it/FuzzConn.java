package org.twemproxy4j.it;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A client connection for the differential fuzz tests: buffered reads with a read timeout, and pipelined
 * writes on a thread of their own, so that a large batch never blocks its writer against unread replies.
 */
final class FuzzConn implements Closeable {
    private final Socket socket;
    private final OutputStream out;
    final InputStream in;
    private final ExecutorService writer;
    private Future<?> pending;

    FuzzConn(int port, String what) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(30_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 65536);
        writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-writer-" + what);
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes {@code data} in the background (after any earlier write). */
    void send(byte[] data) {
        pending = writer.submit(() -> {
            try {
                out.write(data);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Waits for the background writes to finish, rethrowing their failure. */
    void sent() throws Exception {
        if (pending != null) {
            pending.get(60, TimeUnit.SECONDS);
            pending = null;
        }
    }

    @Override
    public void close() {
        writer.shutdownNow();
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** The differential fuzz runs' base seed: {@code -Dfuzz.seed}, else a fixed default. */
    static long seed() {
        String s = System.getProperty("fuzz.seed", "");
        return s.isBlank() ? 0x5EED_0F_F022L : Long.decode(s.trim());
    }

    /** Commands per differential fuzz run: {@code -Dfuzz.commands} (-Pfuzz: a million), else a verify slice. */
    static long commands() {
        String s = System.getProperty("fuzz.commands", "");
        return s.isBlank() ? 3_000 : Long.parseLong(s.trim().replace("_", ""));
    }
}
