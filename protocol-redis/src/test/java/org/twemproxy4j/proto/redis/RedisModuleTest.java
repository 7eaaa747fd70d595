package org.twemproxy4j.proto.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.inject.AbstractModule;
import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.CoreModule;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.stats.StatsModule;

/** The Guice wiring: CoreModule's protocol map gets RedisModule's entry, and a Core can be built. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisModuleTest {
    @Test
    void injectorBuildsACoreWithTheRedisProtocol() throws Exception {
        int port = ProxyHarness.freePort();
        Conf conf = Conf.parse("a:\n  listen: 127.0.0.1:" + port + "\n  redis: true\n  servers:\n   - 127.0.0.1:1:1\n",
                "guice.yml");
        Injector injector = Guice.createInjector(new AbstractModule() {
            @Override
            protected void configure() {
                bind(Instance.class).toInstance(Instance.defaults());
                bind(Conf.class).toInstance(conf);
            }
        }, new CoreModule(), new StatsModule(), new RedisModule());
        Map<String, Proto> protos = injector.getInstance(Key.get(new TypeLiteral<Map<String, Proto>>() { }));
        assertEquals("redis", protos.get("redis").name());
        assertTrue(protos.get("redis") instanceof RedisProto);
        try (Core core = injector.getInstance(Core.class)) {
            assertNotNull(core);
            core.start();
            assertEquals(port, ((java.net.InetSocketAddress) core.listenAddress(0)).getPort());
        }
    }
}
