package org.twemproxy4j.stats;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.inject.Guice;
import com.google.inject.Injector;
import org.junit.jupiter.api.Test;

class StatsModuleTest {
    @Test
    void injectorBuilds() {
        Injector injector = Guice.createInjector(new StatsModule());
        assertNotNull(injector);
    }
}
