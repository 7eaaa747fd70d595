package org.twemproxy4j.stats;

import com.google.inject.AbstractModule;

/**
 * The Guice module of the stats module (nc_stats). It binds nothing yet: the codec ({@link StatsPoolField},
 * {@link StatsServerField}, {@link StatsDescribe}) needs no wiring; the aggregator and the stats port will be
 * bound here when they exist.
 */
public final class StatsModule extends AbstractModule {
    @Override
    protected void configure() {
        // nothing to bind yet
    }
}
