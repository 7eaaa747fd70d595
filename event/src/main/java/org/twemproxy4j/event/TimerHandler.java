package org.twemproxy4j.event;

/** Called on the loop thread when a {@link Timer} expires; the timer is already removed. */
@FunctionalInterface
public interface TimerHandler {
    void onTimer(Timer timer);
}
