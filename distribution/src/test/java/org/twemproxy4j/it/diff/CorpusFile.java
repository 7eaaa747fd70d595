package org.twemproxy4j.it.diff;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the hand-written cases of {@code redis-diff/commands.txt} (the format is described in that file). */
final class CorpusFile {
    private CorpusFile() {
    }

    static List<Case> read(String resource, Map<String, byte[]> values) {
        List<Case> cases = new ArrayList<>();
        String text;
        try (InputStream in = CorpusFile.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String group = "misc";
        Map<String, String> groupOpts = Map.of();
        int lineNo = 0;
        for (String raw : text.split("\n", -1)) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("@group ")) {
                String[] parts = line.substring(7).strip().split("\\s+");
                group = parts[0];
                groupOpts = options(parts, 1);
                continue;
            }
            Map<String, String> opts = new LinkedHashMap<>(groupOpts);
            if (line.startsWith("[")) {
                int close = line.indexOf(']');
                opts.putAll(options(line.substring(1, close).strip().split("\\s+"), 0));
                line = line.substring(close + 1).strip();
            }
            try {
                List<List<byte[]>> commands = parse(line, values);
                List<byte[][]> encoded = new ArrayList<>();
                for (List<byte[]> c : commands) {
                    encoded.add(c.toArray(new byte[0][]));
                }
                Case.Builder b = Case.builder(group, line.length() > 110 ? line.substring(0, 110) + "..." : line)
                        .pool(opts.getOrDefault("pool", "alpha"))
                        .request(Bytes.pipeline(encoded))
                        .replies(commands.size())
                        .mbuf512(opts.containsKey("m512"))
                        .expect(mode(opts.getOrDefault("mode", "same")));
                cases.add(b.build());
            } catch (RuntimeException e) {
                throw new IllegalStateException(resource + ":" + lineNo + ": " + e.getMessage(), e);
            }
        }
        return cases;
    }

    private static Map<String, String> options(String[] parts, int from) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = from; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            int eq = parts[i].indexOf('=');
            if (eq < 0) {
                m.put(parts[i], "");
            } else {
                m.put(parts[i].substring(0, eq), parts[i].substring(eq + 1));
            }
        }
        return m;
    }

    private static Expect mode(String m) {
        if (m.equals("same")) {
            return Expect.same();
        }
        if (m.equals("redis")) {
            return Expect.redis();
        }
        if (m.startsWith("error@")) {
            return Expect.errorAt(Integer.parseInt(m.substring(6)));
        }
        throw new IllegalArgumentException("unknown mode " + m);
    }

    /** Splits a line into commands (at bare ";") and each command into byte-string arguments. */
    static List<List<byte[]>> parse(String line, Map<String, byte[]> values) {
        List<List<byte[]>> commands = new ArrayList<>();
        List<byte[]> current = new ArrayList<>();
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
            } else if (c == ';') {
                if (current.isEmpty()) {
                    throw new IllegalArgumentException("empty command at column " + i);
                }
                commands.add(current);
                current = new ArrayList<>();
                i++;
            } else if (c == '"') {
                ByteArrayOutputStream tok = new ByteArrayOutputStream();
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IllegalArgumentException("unterminated quote");
                    }
                    char q = line.charAt(i);
                    if (q == '"') {
                        i++;
                        break;
                    }
                    if (q == '\\') {
                        char e = line.charAt(i + 1);
                        switch (e) {
                            case 'r' -> tok.write('\r');
                            case 'n' -> tok.write('\n');
                            case 't' -> tok.write('\t');
                            case '\\' -> tok.write('\\');
                            case '"' -> tok.write('"');
                            case 'x' -> {
                                tok.write(Integer.parseInt(line.substring(i + 2, i + 4), 16));
                                i += 2;
                            }
                            default -> throw new IllegalArgumentException("bad escape \\" + e);
                        }
                        i += 2;
                    } else {
                        tok.writeBytes(String.valueOf(q).getBytes(StandardCharsets.UTF_8));
                        i++;
                    }
                }
                current.add(tok.toByteArray());
            } else {
                int start = i;
                while (i < n && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
                    i++;
                }
                String word = line.substring(start, i);
                if (word.startsWith("${") && word.endsWith("}")) {
                    byte[] v = values.get(word.substring(2, word.length() - 1));
                    if (v == null) {
                        throw new IllegalArgumentException("no value for " + word);
                    }
                    current.add(v);
                } else {
                    current.add(word.getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        if (!current.isEmpty()) {
            commands.add(current);
        }
        return commands;
    }
}
