package org.twemproxy4j.proto.memcache;

import java.io.IOException;
import java.net.Socket;
import java.util.List;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.testkit.CoreHarness;

/**
 * Test harness: real memcached processes and an in-process {@link Core} with the memcache protocol
 * ({@link CoreHarness}).
 */
final class MemcacheHarness extends CoreHarness {
    MemcacheHarness() throws IOException {
        super("tw4j-mc");
    }

    int startMemcached() throws IOException, InterruptedException {
        int p = freePort();
        return startBackend(p, List.of("memcached", "-l", "127.0.0.1", "-p", String.valueOf(p), "-U", "0", "-m",
                "64", "-u", "root"), "mc");
    }

    /** Starts the proxy on the given backends (a memcache pool) with mbufs of {@code mbufSize}. */
    void startProxy(int mbufSize, int... backends) throws Exception {
        port = freePort();
        StringBuilder y = new StringBuilder("mc:\n  listen: 127.0.0.1:" + port + "\n  servers:\n");
        for (int b : backends) {
            y.append("   - 127.0.0.1:").append(b).append(":1\n");
        }
        startCore(y.toString(), mbufSize, "memcache", new MemcacheProto());
    }

    /** Reads until {@code n} bytes, EOF or the timeout. */
    static byte[] read(Socket s, int n) throws IOException {
        return readBytes(s, n);
    }
}
