package org.twemproxy4j.stats;

import com.codahale.metrics.MetricRegistry;
import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;

/**
 * The Guice module of the stats module (nc_stats). Binds the process's dropwizard {@link MetricRegistry} (one
 * per injector), into which {@link Stats} registers its gauges, so that a reporter can be attached to it.
 * {@link Stats} itself needs the configuration's pool and server names, which this module cannot see: the
 * launcher builds it (see {@code org.twemproxy4j.core.StatsBridge}).
 */
public final class StatsModule extends AbstractModule {
    @Override
    protected void configure() {
        // the registry is provided below
    }

    @Provides
    @Singleton
    MetricRegistry metricRegistry() {
        return new MetricRegistry();
    }
}
