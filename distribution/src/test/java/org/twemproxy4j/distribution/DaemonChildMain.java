package org.twemproxy4j.distribution;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A stand-in daemon for {@link DaemonTest}, started by {@link Daemon#spawn}: {@code up INFO STOP} reports up
 * after writing "PID SESSION" to INFO, then runs until STOP exists (at most 30 s); {@code fail} prints a line
 * and reports a failed start; {@code die} exits 3 without a report.
 */
public final class DaemonChildMain {
    private DaemonChildMain() {
    }

    public static void main(String[] args) throws Exception {
        Daemon.Child child = Daemon.child(System.getenv(), System.err);
        if (child == null) {
            System.exit(99);
        }
        switch (args[0]) {
            case "up": {
                long pid = ProcessHandle.current().pid();
                String stat = Files.readString(Path.of("/proc/self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                Path info = Path.of(args[1]);
                Path tmp = Path.of(args[1] + ".tmp");
                Files.writeString(tmp, pid + " " + f[3]); // pid, session id
                Files.move(tmp, info, StandardCopyOption.ATOMIC_MOVE);
                System.out.println("stdout of the daemon");
                child.up(pid);
                child.err().println("stderr after up");
                long deadline = System.nanoTime() + 30_000_000_000L;
                while (!Files.exists(Path.of(args[2])) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                System.exit(0);
                break;
            }
            case "fail":
                child.err().println("nutcracker: it went wrong");
                child.failed(1);
                System.exit(1);
                break;
            default:
                System.exit(3);
        }
    }
}
