package org.twemproxy4j.core.testkit;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The parser fuzz tests every protocol runs (see {@link Fuzz}): valid request and response streams parse the same
 * whole and split, mutated streams and garbage end in a defined state, and the seeds of past failures are replayed.
 * A protocol's test extends this class with its generators. Tagged {@code fuzz}: {@code -Pfuzz} runs millions of
 * cases ({@code -Dfuzz.cases}), {@code mvn verify} a slice.
 */
@Tag("fuzz")
public abstract class ParserFuzz {
    /** Cases per property in {@code mvn verify}. */
    protected static final long SLICE = 4_000;

    /** The protocol's name in failure messages. */
    protected abstract String protocol();

    /** Cases that once failed ("kind:seed", kind: requests, responses, hostile), replayed on every run. */
    protected abstract String[] regressions();

    protected abstract void validRequests(long seed);

    protected abstract void validResponses(long seed);

    protected abstract void hostile(long seed);

    /** Replays a case recorded as "kind:seed". */
    protected void replay(String c) {
        String[] kv = c.split(":");
        long seed = Long.decode(kv[1]);
        switch (kv[0]) {
            case "requests":
                validRequests(seed);
                break;
            case "responses":
                validResponses(seed);
                break;
            default:
                hostile(seed);
                break;
        }
    }

    @Test
    void validRequestStreamsParseTheSameWholeAndSplit() {
        Fuzz.run(protocol() + " valid requests", Fuzz.cases(SLICE), 20_000, this::validRequests);
    }

    @Test
    void validResponseStreamsParseTheSameWholeAndSplit() {
        Fuzz.run(protocol() + " valid responses", Fuzz.cases(SLICE), 20_000, this::validResponses);
    }

    @Test
    void mutatedStreamsAndGarbageEndInADefinedState() {
        Fuzz.run(protocol() + " hostile input", Fuzz.cases(SLICE * 2), 20_000, this::hostile);
    }

    @Test
    @Timeout(60)
    void regressionCases() {
        for (String c : regressions()) {
            replay(c);
        }
    }
}
