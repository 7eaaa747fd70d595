package org.twemproxy4j.core.conf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.twemproxy4j.core.conf.ConfYaml.Kind;
import org.twemproxy4j.core.conf.ConfYaml.YamlEvent;

/**
 * Mirrors {@code struct conf} and {@code conf_create()} (nc_conf.c): the YAML configuration file, read, parsed and
 * validated exactly as nutcracker 0.5.0 does, so that a file is accepted here if and only if
 * {@code nutcracker -t} accepts it.
 *
 * <pre>
 *   conf_create
 *     conf_pre_validate     one document; no anchors, tags, flow style, markers; pool -> directive shape
 *     conf_parse            conf_parse_core walks the events, conf_handler calls one conf_set_* per directive
 *     conf_post_validate    per pool: defaults, conf_validate_server (sort, duplicates);
 *                           then no two pools with the same listen string or the same name
 * </pre>
 *
 * <p>{@link #pools()} is sorted as nutcracker leaves it: by pool name, length first, then bytes. Every refusal
 * is a {@link ConfException} whose one-line message names the file, line, pool, directive and value; no
 * snakeyaml exception escapes.
 *
 * <p>Immutable once built; thread-safe.
 */
public final class Conf {
    private static final int CONF_ROOT_DEPTH = 1;

    private final String fileName; // as given, for messages
    private final List<ConfPool> pools; // sorted by name

    private Conf(String fileName, List<ConfPool> pools) {
        this.fileName = fileName;
        this.pools = List.copyOf(pools);
    }

    /**
     * Reads and validates {@code file} as {@code conf_create()} does. The bytes are UTF-8, or UTF-16 with a byte
     * order mark, as libyaml reads them.
     */
    public static Conf load(Path file) throws ConfException {
        String name = file.toString();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfException(name, 0, "failed to open configuration: No such file or directory");
        } catch (IOException | RuntimeException e) {
            throw new ConfException(name, 0, "failed to read configuration: " + e.getMessage());
        }
        return parse(decode(name, bytes), name);
    }

    /**
     * Parses and validates {@code yaml}, the text of a configuration file; {@code fileNameForMessages} only names
     * it in messages.
     */
    public static Conf parse(String yaml, String fileNameForMessages) throws ConfException {
        String file = fileNameForMessages;
        try {
            List<YamlEvent> events = ConfYaml.read(file, yaml);
            List<ConfPoolDraft> drafts = parse(file, events);
            return new Conf(file, postValidate(file, drafts));
        } catch (RuntimeException e) {
            // a bug of ours, not a verdict on the file: still one line, never a stack trace
            throw new ConfException(file, 0, "cannot read the configuration: " + e);
        }
    }

    /** The pools, sorted by name as nutcracker sorts them (length first, then bytes); unmodifiable. */
    public List<ConfPool> pools() {
        return pools;
    }

    /** The file name this configuration was read from, as given. */
    public String fileName() {
        return fileName;
    }

    @Override
    public String toString() {
        return "Conf(" + fileName + ", " + pools + ")";
    }

    /** libyaml's input decoding: a UTF-16 byte order mark selects UTF-16, anything else is UTF-8. */
    private static String decode(String name, byte[] b) throws ConfException {
        Charset cs = StandardCharsets.UTF_8;
        int off = 0;
        if (b.length >= 2 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xfe) {
            cs = StandardCharsets.UTF_16LE;
            off = 2;
        } else if (b.length >= 2 && (b[0] & 0xff) == 0xfe && (b[1] & 0xff) == 0xff) {
            cs = StandardCharsets.UTF_16BE;
            off = 2;
        } else if (b.length >= 3 && (b[0] & 0xff) == 0xef && (b[1] & 0xff) == 0xbb && (b[2] & 0xff) == 0xbf) {
            off = 3;
        }
        CharsetDecoder dec = cs.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(b, off, b.length - off);
        CharBuffer out = CharBuffer.allocate(b.length + 1);
        CoderResult r = dec.decode(in, out, true);
        if (!r.isError()) {
            r = dec.flush(out);
        }
        out.flip();
        if (r.isError()) {
            int line = 1;
            for (int i = 0; i < out.limit(); i++) {
                if (out.get(i) == '\n') {
                    line++;
                }
            }
            throw new ConfException(name, line, "invalid YAML: the file is not valid " + cs.name());
        }
        String text = out.toString();
        if (text.startsWith("\uFEFF")) {
            // a second BOM: libyaml skips it as it skips a BOM at the start of any line, counting its column
            text = " " + text.substring(1);
        }
        return text;
    }

    /**
     * {@code conf_parse()}: {@code conf_begin_parse} consumes events up to the root mapping, then
     * {@code conf_parse_core} keeps a stack of scalars (pool name, key, value) and hands each complete
     * {@code key: value}, or each element of the pool's one sequence, to {@code conf_handler}.
     */
    private static List<ConfPoolDraft> parse(String file, List<YamlEvent> events) throws ConfException {
        List<ConfPoolDraft> pools = new ArrayList<>();
        int i = 0;
        int depth = 0;
        while (i < events.size()) {
            if (events.get(i++).kind == Kind.MAPPING_START) {
                depth++;
                break;
            }
        }
        List<YamlEvent> args = new ArrayList<>(); // cf->arg
        ConfPoolDraft pool = null;
        boolean seq = false;
        while (i < events.size()) {
            YamlEvent e = events.get(i++);
            boolean leaf = false;
            boolean newPool = false;
            if (e.kind == Kind.MAPPING_END) {
                depth--;
                if (depth == 1) {
                    pop(args);
                } else if (depth == 0) {
                    break;
                }
            } else if (e.kind == Kind.MAPPING_START) {
                depth++;
            } else if (e.kind == Kind.SEQUENCE_START) {
                seq = true;
            } else if (e.kind == Kind.SEQUENCE_END) {
                pop(args);
                seq = false;
            } else if (e.kind == Kind.SCALAR) {
                if (e.value.isEmpty()) {
                    throw emptyScalar(file, e, depth, seq, args, pool);
                }
                args.add(e);
                if (seq) {
                    leaf = true;
                } else if (depth == CONF_ROOT_DEPTH) {
                    newPool = true;
                } else if (args.size() == depth + 1) {
                    leaf = true;
                }
            }
            if (newPool) {
                pool = new ConfPoolDraft(ConfStrings.cString(ConfStrings.utf8(e.value)), e.line);
                pools.add(pool);
            } else if (leaf) {
                if (pool == null || args.size() < 2) {
                    throw new ConfException(file, e.line, "a directive outside of any pool");
                }
                YamlEvent key = args.get(args.size() - 2);
                YamlEvent value = args.get(args.size() - 1);
                byte[] bytes = ConfStrings.cString(ConfStrings.utf8(value.value));
                String reason = pool.set(key.value, bytes, value.line);
                pop(args);
                if (!seq) {
                    pop(args);
                }
                if (reason != null) {
                    throw new ConfException(file, value.line, pool.nameText, key.value, value.value, reason);
                }
            }
        }
        return pools;
    }

    private static void pop(List<YamlEvent> args) {
        if (!args.isEmpty()) {
            args.remove(args.size() - 1);
        }
    }

    /** {@code conf_push_scalar()} refuses a zero-length scalar wherever it is. */
    private static ConfException emptyScalar(String file, YamlEvent e, int depth, boolean seq,
            List<YamlEvent> args, ConfPoolDraft pool) {
        if (depth <= CONF_ROOT_DEPTH) {
            return new ConfException(file, e.line, "a pool name cannot be empty");
        }
        String poolName = pool != null ? pool.nameText : null;
        if (!seq && args.size() == depth - 1) {
            return new ConfException(file, e.line, poolName, null, null, "has an empty directive name");
        }
        String key = args.get(args.size() - 1).value;
        return new ConfException(file, e.line, poolName, key, null, seq ? "has an empty entry" : "has no value");
    }

    /**
     * {@code conf_post_validate()}: at least one pool, each pool valid, then no two pools with the same listen
     * string (compared as written, not as resolved) and no two with the same name. Returns the pools sorted by
     * name.
     */
    private static List<ConfPool> postValidate(String file, List<ConfPoolDraft> drafts) throws ConfException {
        if (drafts.isEmpty()) {
            throw new ConfException(file, 0, "has no pools");
        }
        List<ConfPool> valid = new ArrayList<>(drafts.size());
        for (ConfPoolDraft d : drafts) {
            valid.add(d.validate(file));
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < drafts.size(); i++) {
            order.add(i);
        }
        order.sort((a, b) -> ConfStrings.compare(drafts.get(a).listenPname, drafts.get(b).listenPname));
        for (int i = 0; i + 1 < order.size(); i++) {
            ConfPoolDraft p1 = drafts.get(order.get(i));
            ConfPoolDraft p2 = drafts.get(order.get(i + 1));
            if (ConfStrings.compare(p1.listenPname, p2.listenPname) == 0) {
                ConfPoolDraft later = p1.listenLine > p2.listenLine ? p1 : p2;
                ConfPoolDraft other = later == p1 ? p2 : p1;
                throw new ConfException(file, later.listenLine, later.nameText, "listen", later.listen.pname(),
                        "is the same listen address as pool '" + other.nameText + "'");
            }
        }
        order.sort((a, b) -> ConfStrings.compare(drafts.get(a).name, drafts.get(b).name));
        for (int i = 0; i + 1 < order.size(); i++) {
            ConfPoolDraft p1 = drafts.get(order.get(i));
            ConfPoolDraft p2 = drafts.get(order.get(i + 1));
            if (ConfStrings.compare(p1.name, p2.name) == 0) {
                throw new ConfException(file, Math.max(p1.line, p2.line), p1.nameText, null, null,
                        "is defined twice: pool names must be unique");
            }
        }
        List<ConfPool> sorted = new ArrayList<>(order.size());
        for (int i : order) {
            sorted.add(valid.get(i));
        }
        return sorted;
    }
}
