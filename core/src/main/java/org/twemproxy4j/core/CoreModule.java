package org.twemproxy4j.core;

import com.codahale.metrics.MetricRegistry;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import java.io.IOException;
import java.util.Map;
import org.twemproxy4j.core.conf.Conf;
import org.twemproxy4j.core.proto.Proto;
import org.twemproxy4j.stats.Stats;

/**
 * The Guice module of the core. It declares the protocol plugin map ({@code MapBinder<String, Proto>},
 * keyed by protocol name; each protocol module adds its own entry), binds {@link Core} (one loop), provides the
 * process's {@link Workers} ({@code --workers} cores built from the same bindings, sharing the stats) and the
 * process's {@link Stats}, laid out after the configuration's pools and servers in the core's order. The launcher
 * asks for {@link Workers}; {@link Core} alone is for embedding and tests.
 *
 * <p>Needs {@link Instance} and {@link Conf} bound by the launcher, and the {@link MetricRegistry} of
 * {@code StatsModule}.
 */
public final class CoreModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, Proto.class);
        bind(Core.class);
    }

    @Provides
    @Singleton
    Workers workers(Instance instance, Conf conf, Map<String, Proto> protos, Stats stats) throws IOException {
        return Workers.create(instance, conf, protos, stats);
    }

    @Provides
    @Singleton
    Stats stats(Instance instance, Conf conf, MetricRegistry registry) {
        return new Stats(StatsBridge.layout(conf), instance.hostname, registry);
    }
}
