package org.twemproxy4j.core.conf;

/**
 * A configuration file that nutcracker would refuse (the {@code conf_create()} failure path of nc_conf.c).
 *
 * <p>{@link #getMessage()} is always one line: the file, the line when known, the pool, the directive and its
 * value when they apply, then the reason, e.g.
 * {@code conf/nutcracker.yml:7: pool 'alpha': directive "hash: fnv9" is not a valid hash}.
 * Deviation: nutcracker only says "syntax is invalid" under {@code -t}; we always give the reason.
 *
 * <p>Immutable; thread-safe.
 */
public final class ConfException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file; // configuration file name as given
    private final int line; // 1-based, 0 when unknown
    private final String pool; // pool name, or null
    private final String key; // directive, or null
    private final String value; // the directive's value, or null
    private final String reason; // why it is refused

    ConfException(String file, int line, String pool, String key, String value, String reason) {
        super(format(file, line, pool, key, value, reason));
        this.file = file;
        this.line = line;
        this.pool = pool;
        this.key = key;
        this.value = value;
        this.reason = reason;
    }

    ConfException(String file, int line, String reason) {
        this(file, line, null, null, null, reason);
    }

    /** The configuration file name, as given to {@code Conf.load} or {@code Conf.parse}. */
    public String file() {
        return file;
    }

    /** The 1-based line the problem was found on, or 0 when it is not tied to one line. */
    public int line() {
        return line;
    }

    /** The pool the problem is in, or null. */
    public String pool() {
        return pool;
    }

    /** The directive (pool key) the problem is in, or null. */
    public String key() {
        return key;
    }

    /** The refused value, or null. */
    public String value() {
        return value;
    }

    /** The reason alone, without file, line, pool or directive. */
    public String reason() {
        return reason;
    }

    private static String format(String file, int line, String pool, String key, String value, String reason) {
        StringBuilder sb = new StringBuilder();
        sb.append(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (pool != null) {
            sb.append("pool '").append(oneLine(pool)).append("': ");
        }
        if (key != null) {
            sb.append("directive \"").append(oneLine(key));
            if (value != null) {
                sb.append(": ").append(oneLine(value));
            }
            sb.append("\" ");
        }
        sb.append(oneLine(reason));
        return sb.toString();
    }

    /** Escapes line breaks and other control characters so that the message stays on one line. */
    static String oneLine(String s) {
        StringBuilder sb = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String esc = null;
            if (c == '\n') {
                esc = "\\n";
            } else if (c == '\r') {
                esc = "\\r";
            } else if (c == '\t') {
                esc = "\\t";
            } else if (c < 0x20 || c == 0x7f || c == 0x85 || c == 0x2028 || c == 0x2029) {
                esc = String.format("\\u%04x", (int) c);
            }
            if (esc != null && sb == null) {
                sb = new StringBuilder(s.length() + 8);
                sb.append(s, 0, i);
            }
            if (sb != null) {
                if (esc != null) {
                    sb.append(esc);
                } else {
                    sb.append(c);
                }
            }
        }
        return sb == null ? s : sb.toString();
    }
}
