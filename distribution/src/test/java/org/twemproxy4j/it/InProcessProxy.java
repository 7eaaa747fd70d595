package org.twemproxy4j.it;

import java.io.Closeable;
import java.util.Map;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.CoreSettings;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.proto.memcache.MemcacheProto;
import org.twemproxy4j.proto.redis.RedisProto;

/** twemproxy4j's core in this JVM: built from YAML text, its loop on a thread, stopped by close(). */
final class InProcessProxy implements Closeable {
    final Core core;
    private final Thread loop;

    InProcessProxy(String yaml, int mbufSize) throws Exception {
        this(yaml, mbufSize, CoreSettings.defaults());
    }

    InProcessProxy(String yaml, int mbufSize, CoreSettings settings) throws Exception {
        Conf conf = Conf.parse(yaml, "it.yml");
        Instance inst = new Instance("it.yml", 4, null, 22222, "0.0.0.0", 30000, null, mbufSize).with(settings);
        core = new Core(inst, conf, Map.of("redis", new RedisProto(), "memcache", new MemcacheProto()));
        core.start();
        loop = new Thread(core::loop, "twemproxy4j-core");
        loop.setDaemon(true);
        loop.start();
    }

    @Override
    public void close() {
        core.stop();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        core.close();
    }
}
