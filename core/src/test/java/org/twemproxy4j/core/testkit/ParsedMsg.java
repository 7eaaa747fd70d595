package org.twemproxy4j.core.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.msg.Msg;

/**
 * What a {@link MsgFeeder} remembers of one parsed message: the parse result and the protocol-neutral fields
 * of {@link Msg}, with its keys as ISO-8859-1 strings. Protocol modules extend it with their own view.
 */
public class ParsedMsg {
    public final int result;
    public final int type;
    public final int perr;
    public final boolean noforward;
    public final boolean noreply;
    public final boolean quit;
    public final int narg;
    public final List<String> keys = new ArrayList<>();

    /** Copies {@code m}'s fields; its keys only when {@code withKeys}. */
    protected ParsedMsg(Msg m, int result, boolean withKeys) {
        this.result = result;
        this.type = m.type;
        this.perr = m.perr;
        this.noforward = m.noforward;
        this.noreply = m.noreply;
        this.quit = m.quit;
        this.narg = m.narg;
        for (int i = 0; withKeys && i < m.nkeys; i++) {
            byte[] k = new byte[m.keyLen[i]];
            m.copyKey(i, k);
            keys.add(new String(k, StandardCharsets.ISO_8859_1));
        }
    }
}
