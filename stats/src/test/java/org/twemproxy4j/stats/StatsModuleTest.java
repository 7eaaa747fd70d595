package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertSame;

import com.codahale.metrics.MetricRegistry;
import com.google.inject.Guice;
import com.google.inject.Injector;
import org.junit.jupiter.api.Test;

class StatsModuleTest {
    @Test
    void injectorBuildsWithOneRegistry() {
        Injector injector = Guice.createInjector(new StatsModule());
        assertSame(injector.getInstance(MetricRegistry.class), injector.getInstance(MetricRegistry.class));
    }
}
