package org.twemproxy4j.core;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import org.twemproxy4j.core.proto.Proto;

/**
 * The Guice module of the core. It declares the protocol plugin map ({@code MapBinder<String, Proto>},
 * keyed by protocol name); each protocol module adds its own entry.
 *
 * <p>Needs {@link Instance} and {@code org.twemproxy4j.core.conf.Conf} bound by the launcher.
 */
public final class CoreModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, Proto.class);
        bind(Core.class);
    }
}
