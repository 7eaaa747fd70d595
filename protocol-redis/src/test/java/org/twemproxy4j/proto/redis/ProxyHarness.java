package org.twemproxy4j.proto.redis;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.testkit.CoreHarness;

/**
 * Test harness: real redis-server backends and an in-process {@link Core} running its loop on a thread,
 * driven over loopback sockets ({@link CoreHarness}).
 */
final class ProxyHarness extends CoreHarness {
    ProxyHarness() throws IOException {
        super("tw4j-redis");
    }

    int startRedis(String... extra) throws IOException, InterruptedException {
        int p = freePort();
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", String.valueOf(p), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        cmd.addAll(List.of(extra));
        return startBackend(p, cmd, "redis");
    }

    /** Starts the proxy with pool YAML text where "$PORT" is replaced by a free listen port. */
    void startProxy(String yaml, int mbufSize) throws Exception {
        port = freePort();
        startCore(yaml.replace("$PORT", String.valueOf(port)), mbufSize, "redis", new RedisProto());
    }

    /** Sends {@code req} and reads until {@code expectLen} bytes or EOF/timeout. */
    static String roundTrip(Socket s, String req, int expectLen) throws IOException {
        write(s, ascii(req));
        return read(s, expectLen);
    }

    static String read(Socket s, int expectLen) throws IOException {
        return new String(readBytes(s, expectLen), StandardCharsets.ISO_8859_1);
    }
}
