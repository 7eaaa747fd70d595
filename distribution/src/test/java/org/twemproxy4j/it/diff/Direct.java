package org.twemproxy4j.it.diff;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import org.twemproxy4j.it.fixture.Resp;

/** A persistent raw connection straight to one backend, for flushing and inspecting it between runs. */
final class Direct implements Closeable {
    private final int port;
    private final String password;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    Direct(int port, String password) {
        this.port = port;
        this.password = password;
    }

    /** Sends the commands as one pipeline and returns each raw reply. Reconnects once if the connection broke. */
    synchronized List<byte[]> call(byte[]... commands) {
        try {
            return callOnce(commands);
        } catch (IOException first) {
            closeQuietly();
            try {
                return callOnce(commands);
            } catch (IOException e) {
                throw new UncheckedIOException("backend 127.0.0.1:" + port, e);
            }
        }
    }

    private List<byte[]> callOnce(byte[]... commands) throws IOException {
        if (socket == null) {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 3000);
            socket.setSoTimeout(20_000);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream(), 65536);
            if (password != null) {
                out.write(Bytes.cmd("AUTH", password));
                out.flush();
                byte[] r = Resp.readReply(in);
                if (!Bytes.startsWith(r, "+OK")) {
                    throw new IOException("AUTH to 127.0.0.1:" + port + " answered " + Bytes.show(r));
                }
            }
        }
        out.write(Bytes.concat(commands));
        out.flush();
        List<byte[]> replies = new ArrayList<>(commands.length);
        for (int i = 0; i < commands.length; i++) {
            replies.add(Resp.readReply(in));
        }
        return replies;
    }

    private void closeQuietly() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        socket = null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
    }
}
