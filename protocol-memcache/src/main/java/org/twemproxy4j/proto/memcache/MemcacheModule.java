package org.twemproxy4j.proto.memcache;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import org.twemproxy4j.core.proto.Proto;

/** Registers {@link MemcacheProto} in the core's protocol map under {@code "memcache"}. */
public final class MemcacheModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, Proto.class).addBinding("memcache").to(MemcacheProto.class);
    }
}
