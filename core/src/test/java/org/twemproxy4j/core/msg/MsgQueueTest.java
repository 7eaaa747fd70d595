package org.twemproxy4j.core.msg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MsgQueueTest {

    private static Msg[] msgs(int n) {
        Msg[] m = new Msg[n];
        for (int i = 0; i < n; i++) {
            m[i] = new Msg(true);
            m[i].id = i;
        }
        return m;
    }

    private static String ids(MsgQueue q) {
        StringBuilder sb = new StringBuilder();
        for (Msg m = q.first(); m != null; m = q.next(m)) {
            sb.append(m.id);
        }
        return sb.toString();
    }

    @Test
    void fifoInsertRemoveAnywhere() {
        MsgQueue q = new MsgQueue(false);
        assertTrue(q.isEmpty());
        Msg[] m = msgs(5);
        for (Msg x : m) {
            q.insertTail(x);
        }
        assertEquals("01234", ids(q));
        assertEquals(5, q.count());
        q.remove(m[0]);
        q.remove(m[2]);
        q.remove(m[4]);
        assertEquals("13", ids(q));
        q.insertHead(m[4]);
        q.insertAfter(m[1], m[2]);
        q.insertAfter(m[3], m[0]);
        assertEquals("41230", ids(q));
        for (Msg x : m) {
            q.remove(x);
        }
        assertTrue(q.isEmpty());
        assertNull(q.first());
        assertEquals(0, q.count());
    }

    @Test
    void aMessageSitsOnAClientAndAServerQueueAtOnce() {
        MsgQueue clientOut = new MsgQueue(false);
        MsgQueue serverIn = new MsgQueue(true);
        MsgQueue serverOut = new MsgQueue(true);
        Msg[] m = msgs(3);
        for (Msg x : m) {
            clientOut.insertTail(x);
            serverIn.insertTail(x);
        }
        // (b): written to the server, it moves from in_q to out_q; its client order is untouched
        serverIn.remove(m[0]);
        serverOut.insertTail(m[0]);
        assertEquals("012", ids(clientOut));
        assertEquals("12", ids(serverIn));
        assertEquals("0", ids(serverOut));
        assertTrue(serverOut.contains(m[0]));
        assertFalse(serverIn.contains(m[0]));
        // (d): replied and written to the client
        serverOut.remove(m[0]);
        clientOut.remove(m[0]);
        assertEquals("12", ids(clientOut));
        assertSame(m[1], clientOut.first());
        assertSame(m[1], serverIn.first());
    }
}
