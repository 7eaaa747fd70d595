package org.twemproxy4j.hashkit;

/**
 * Mirrors {@code DIST_CODEC} (hashkit/nc_hashkit.h): how a pool maps a key hash onto its servers.
 */
public enum DistType {
    KETAMA("ketama"),
    MODULA("modula"),
    RANDOM("random");

    private final String confName;

    DistType(String confName) {
        this.confName = confName;
    }

    /** The name used in the configuration file, e.g. {@code ketama}. */
    public String confName() {
        return confName;
    }

    /** The type whose configuration name is {@code name} (exact, case-sensitive), or {@code null}. */
    public static DistType fromConfName(String name) {
        for (DistType t : values()) {
            if (t.confName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
