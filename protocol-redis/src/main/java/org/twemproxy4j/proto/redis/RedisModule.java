package org.twemproxy4j.proto.redis;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import org.twemproxy4j.core.proto.Proto;

/** Registers {@link RedisProto} in the core's protocol map under {@code "redis"}. */
public final class RedisModule extends AbstractModule {
    @Override
    protected void configure() {
        MapBinder.newMapBinder(binder(), String.class, Proto.class).addBinding("redis").to(RedisProto.class);
    }
}
