package org.twemproxy4j.it;

import java.io.Closeable;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.twemproxy4j.core.Core;
import org.twemproxy4j.core.CoreSettings;
import org.twemproxy4j.core.Instance;
import org.twemproxy4j.core.StatsBridge;
import org.twemproxy4j.core.Workers;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.proto.redis.RedisProto;
import org.twemproxy4j.stats.Stats;

/** twemproxy4j's workers in this JVM: built from YAML text, their loops on threads, stopped by close(). */
final class InProcessWorkers implements Closeable {
    final Workers workers;
    private final Thread loop;

    InProcessWorkers(String yaml, int nworkers) throws Exception {
        Conf conf = Conf.parse(yaml, "it.yml");
        Instance inst = new Instance("it.yml", 4, null, 22222, "0.0.0.0", 30000, null, 16384)
                .with(CoreSettings.defaults().workers(nworkers));
        workers = Workers.create(inst, conf, Map.of("redis", new RedisProto()),
                new Stats(StatsBridge.layout(conf), "it"));
        workers.start();
        loop = new Thread(workers::loop, "twemproxy4j-workers");
        loop.setDaemon(true);
        loop.start();
    }

    Core core(int i) {
        return workers.cores().get(i);
    }

    int size() {
        return workers.size();
    }

    /** Runs {@code what} on worker {@code i}'s loop and returns its result. */
    <T> T onLoop(int i, Supplier<T> what) throws Exception {
        CompletableFuture<T> f = new CompletableFuture<>();
        core(i).execute(() -> f.complete(what.get()));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        workers.stop();
        try {
            loop.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.close();
    }
}
