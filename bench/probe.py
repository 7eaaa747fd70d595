#!/usr/bin/python3
"""bench/probe.py: the timing and connection helpers of bench/compare (Python 3 standard library only).

  probe.py launch PORT LOG -- COMMAND [ARG...]
      Starts COMMAND (standard output and error to the file LOG), then polls 127.0.0.1:PORT (a new connection
      every 2 ms) until a PING is answered with +PONG. Prints "PID MS CPU_MS": the process id of COMMAND (left
      running), the milliseconds from just before its exec to the PONG, and the CPU time (user + system) COMMAND
      had used by then. Exit 1 (and COMMAND killed) when COMMAND
      exits or does not answer within 60 s.

  probe.py hold PORT N
      Opens N client connections to 127.0.0.1:PORT, in batches of 100; each one sends a PING and reads its
      +PONG, so the proxy has accepted it and served one request on it, then stays open and idle. Prints
      "held N" once all are open, then waits until its standard input is closed (or SIGTERM) and closes them.
"""
import os
import signal
import socket
import subprocess
import sys
import time


def ping_once(port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(("127.0.0.1", port))
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        buf = b""
        while not buf.endswith(b"\r\n"):
            chunk = s.recv(64)
            if not chunk:
                return False
            buf += chunk
        return buf == b"+PONG\r\n"
    except OSError:
        return False
    finally:
        s.close()


def cpu_ms(pid):
    """utime + stime of pid so far (its own threads, not its waited-for children), in milliseconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000.0 / os.sysconf("SC_CLK_TCK")


def launch(port, log, cmd):
    with open(log, "ab") as out:
        t0 = time.monotonic_ns()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if ping_once(port, 1.0):
            ms = (time.monotonic_ns() - t0) / 1e6
            print("%d %.0f %.0f" % (proc.pid, ms, cpu_ms(proc.pid)))
            return 0
        if proc.poll() is not None:
            print("probe: %s exited with status %d" % (cmd[0], proc.returncode), file=sys.stderr)
            return 1
        time.sleep(0.002)
    print("probe: no PONG on 127.0.0.1:%d within 60 s" % port, file=sys.stderr)
    proc.kill()
    return 1


def hold(port, n):
    socks = []
    batch = 100
    while len(socks) < n:
        fresh = []
        for _ in range(min(batch, n - len(socks))):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.settimeout(10)
            s.connect(("127.0.0.1", port))
            fresh.append(s)
        for s in fresh:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            buf = b""
            while not buf.endswith(b"\r\n"):
                chunk = s.recv(64)
                if not chunk:
                    raise SystemExit("probe: connection closed by the proxy after %d clients" % len(socks))
                buf += chunk
            if buf != b"+PONG\r\n":
                raise SystemExit("probe: unexpected reply %r" % buf)
        socks.extend(fresh)
    print("held %d" % len(socks), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while os.read(0, 4096):
            pass
    finally:
        for s in socks:
            s.close()
    return 0


def main(argv):
    if len(argv) >= 5 and argv[0] == "launch" and argv[3] == "--":
        return launch(int(argv[1]), argv[2], argv[4:])
    if len(argv) == 3 and argv[0] == "hold":
        return hold(int(argv[1]), int(argv[2]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
