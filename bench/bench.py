"""make bench: poolscope against Python's multiprocessing.Pool on this machine.

Prints figures and ratios (medians of several runs); it never fails on a slow
day.  Usage: python3 bench/bench.py PATH/TO/poolscope [--runs N]
"""
import json
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def square(n):
    return n * n


def py_imap_unordered(n):
    with mp.Pool(2) as p:
        t0 = time.perf_counter()
        for _ in p.imap_unordered(square, range(1, n + 1), chunksize=1):
            pass
        return time.perf_counter() - t0


def py_startup(workers):
    t0 = time.perf_counter()
    with mp.Pool(workers) as p:
        p.map(square, [1])
        p.close()
        p.join()
    return time.perf_counter() - t0


PY_MAP = ("import multiprocessing as mp\n"
          "def square(n):\n    return n * n\n"
          "if __name__ == '__main__':\n"
          "    with mp.Pool(2) as p:\n"
          "        r = p.map(square, range(1, %d + 1))\n")
PY_START = ("import multiprocessing as mp\n"
            "def square(n):\n    return n * n\n"
            "if __name__ == '__main__':\n"
            "    with mp.Pool(%d) as p:\n"
            "        p.map(square, [1])\n"
            "        p.close(); p.join()\n")


def whole(argv, stdout=subprocess.DEVNULL):
    t0 = time.perf_counter()
    subprocess.run(argv, stdout=stdout, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def whole_cpu(argv):
    """Wall time and CPU time (user and system, the whole process tree:
    it is reaped before this returns) of one run."""
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = whole(argv)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)


def ps_run_wall(ps, args):
    """poolscope's own run time (the summary's wall) and the whole process."""
    t0 = time.perf_counter()
    out = subprocess.run([ps, "--batch", "--quiet"] + args, capture_output=True,
                         text=True).stdout
    total = time.perf_counter() - t0
    summary = out.rstrip("\n").rsplit("\n", 1)[-1]
    wall = float(summary.split("wall ", 1)[1].split()[0])
    return wall, total


def med(f, runs):
    return statistics.median(f() for _ in range(runs))


def peak_rss_kb(argv):
    """Peak RSS of argv's process alone, through GNU time (a small process
    forks it, so the figure is not inflated by this Python's own memory)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M"] + argv, capture_output=True,
                       text=True)
    return int(p.stderr.strip().splitlines()[-1])


def main():
    ps = os.path.abspath(sys.argv[1])
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    n1, n2 = 100000, 1000000
    print("poolscope bench: %d processors, medians of %d runs" % (os.cpu_count(), runs))
    print()

    # 1. One task per message.
    py = med(lambda: py_imap_unordered(n1), runs)
    psw = med(lambda: ps_run_wall(ps, ["-w", "2", "-m", "apply_async", "-t",
                                        "square 1..%d" % n1])[0], runs)
    psq = med(lambda: whole([ps, "-q", "-w", "2", "-m", "apply_async", "-t",
                             "square 1..%d" % n1]), runs)
    psj = med(lambda: whole([ps, "--batch", "--json", "-w", "2", "-m", "apply_async",
                             "-t", "square 1..%d" % n1]), runs)
    print("1. %d square tasks, 2 workers, one task per message" % n1)
    print("   python imap_unordered(chunksize=1)  %10.0f tasks/s" % (n1 / py))
    print("   poolscope apply_async (in run)      %10.0f tasks/s   %.1fx python  (goal 10x)"
          % (n1 / psw, py / psw))
    print("   poolscope -q, whole process         %10.0f tasks/s" % (n1 / psq))
    print("   poolscope --json >/dev/null, whole  %10.0f tasks/s   (the event stream costs %.0f%%)"
          % (n1 / psj, 100 * (psj - psq) / psq))
    print()

    # 2. map with its default chunking, whole process.
    src = PY_MAP % n2
    py = med(lambda: whole([sys.executable, "-c", src]), runs)
    psm = med(lambda: whole([ps, "-q", "-w", "2", "-m", "map", "-t",
                             "square 1..%d" % n2]), runs)
    print("2. %d square tasks, 2 workers, map with default chunking, whole process" % n2)
    print("   python Pool.map                     %10.0f tasks/s  (%.3f s)" % (n2 / py, py))
    print("   poolscope -m map                    %10.0f tasks/s  (%.3f s)   %.1fx python  (goal 2x)"
          % (n2 / psm, psm, py / psm))
    print()

    # 3. Start-up and shut-down.
    print("3. pool start-up and shut-down, one task")
    for w in (2, 64):
        pyin = med(lambda: py_startup(w), runs)
        pyw = med(lambda: whole([sys.executable, "-c", PY_START % w]), runs)
        psin = med(lambda: ps_run_wall(ps, ["-w", str(w), "-t", "square 1"])[0], runs)
        psw = med(lambda: whole([ps, "-q", "-w", str(w), "-t", "square 1"]), runs)
        print("   %2d workers: python %6.1f ms in process, %6.1f ms whole;"
              " poolscope %6.1f ms in run, %6.1f ms whole;  %.1fx faster whole (goal 5x)"
              % (w, pyin * 1e3, pyw * 1e3, psin * 1e3, psw * 1e3, pyw / psw))
    print()

    # 4. Memory.
    base = peak_rss_kb([ps, "-q", "-w", "2", "-m", "map", "-t", "square 1"])
    big = peak_rss_kb([ps, "-q", "-w", "2", "-m", "map", "-t", "square 1..%d" % n2])
    if base is None:
        print("4. peak RSS: skipped (/usr/bin/time is missing: apt-get install time)")
    else:
        print("4. peak RSS of the parent: %d KiB for 1 task, %d KiB for %d tasks:"
              " %.0f bytes per task over the base, %.0f in all (goal < 200)"
              % (base, big, n2, (big - base) * 1024.0 / n2, big * 1024.0 / n2))


def tmux(*args):
    return subprocess.run(["tmux", "-L", "psbench", "-f", "/dev/null"] + list(args),
                          capture_output=True, text=True).stdout


def screen_wall(ps, args, timeout=120):
    """Run on the screen in a private tmux server at 80x24; the run's wall
    time from its summary line."""
    wall = screen_frames(ps, args, 80, 24, timeout)[1]
    if wall is None:
        return None
    num, unit = wall.split()[0], wall.split()[1] if len(wall.split()) > 1 else "s"
    return float(num) if unit == "s" else None


def paused_cpu(ps):
    """CPU seconds poolscope uses over 5 s while its run is paused."""
    tmux("kill-server")
    tmux("new-session", "-d", "-x", "80", "-y", "24", "env TERM=xterm-256color "
         "LANG=C.UTF-8 %s --autostart -w 4 -m apply_async -t 'sleep 60000; "
         "sleep 60000; sleep 60000; sleep 60000'; sleep 600" % ps)
    time.sleep(1)
    tmux("send-keys", "-t", "0", "Space")
    time.sleep(0.5)
    pid = subprocess.run(["pgrep", "-f", "^%s --autostart -w 4" % ps],
                         capture_output=True, text=True).stdout.split()
    if not pid:
        tmux("kill-server")
        return None
    pid = int(pid[0])

    def ticks():
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return int(v[11]) + int(v[12])
    t0 = ticks()
    time.sleep(5)
    t1 = ticks()
    tmux("kill-server")
    return (t1 - t0) / os.sysconf("SC_CLK_TCK")


def terminal_bytes(ps, args):
    """Bytes poolscope writes to an 80x24 terminal per second of a busy run."""
    import fcntl, pty, struct, termios, select
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm-256color"
        os.environ["LANG"] = "C.UTF-8"
        os.execv(ps, [ps, "--autostart"] + args)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    total, buf, t0 = 0, b"", time.monotonic()
    end = None
    while time.monotonic() - t0 < 120:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        total += len(data)
        buf = (buf + data)[-4096:]
        if b"Summary" in buf and end is None:
            end = time.monotonic()
            os.write(fd, b"q")
    os.waitpid(pid, 0)
    return total, (end or time.monotonic()) - t0


def screen_frames(ps, args, w, h, timeout=300):
    """Run on the screen at w x h with POOLSCOPE_FRAME_STATS; returns the
    frame statistics (frames, mean_ms, p50_ms, p99_ms, max_ms) and the
    run's wall time from its summary."""
    stats = "/tmp/psbench-frames-%d" % os.getpid()
    if os.path.exists(stats):
        os.unlink(stats)
    tmux("kill-server")
    cmd = " ".join([ps, "--autostart"] + ["'%s'" % a for a in args])
    tmux("new-session", "-d", "-x", str(w), "-y", str(h),
         "env TERM=xterm-256color LANG=C.UTF-8 POOLSCOPE_FRAME_STATS=%s %s; "
         "sleep 600" % (stats, cmd))
    deadline = time.monotonic() + timeout
    wall = None
    while time.monotonic() < deadline:
        out = tmux("capture-pane", "-p")
        if "; wall " in out:
            wall = out.split("; wall ", 1)[1].split(",")[0]
            break
        time.sleep(0.05)
    tmux("send-keys", "-t", "0", "q")
    while time.monotonic() < deadline and not os.path.exists(stats):
        time.sleep(0.05)
    time.sleep(0.1)
    tmux("kill-server")
    try:
        with open(stats) as f:
            v = f.read().split()
        os.unlink(stats)
    except OSError:
        return None, wall
    return dict(zip(v[0::2], (float(x) for x in v[1::2]))), wall


def main_screen(ps, runs):
    print()
    print("5. the screen (80x24, in tmux) against --batch, the same run"
          " (batch and screen runs taken in turn; medians, and bests)")

    def versus(label, args, ref, note):
        b, s = [], []
        for _ in range(max(runs, 7)):
            b.append(ps_run_wall(ps, args + ref)[0])
            w = screen_wall(ps, args)
            if w is not None:
                s.append(w)
        if not s:
            print("   %s: the screen run did not finish" % label)
            return
        mb, ms = statistics.median(b), statistics.median(s)
        print("   %s: batch%s %.3f s, screen %.3f s: the screen costs %.0f%%"
              " of throughput%s; bests %.3f s, %.3f s (%.0f%%)"
              % (label, note, mb, ms, 100 * (ms - mb) / ms if ms > mb else 0,
                 " (goal < 10%)", min(b), min(s),
                 100 * (min(s) - min(b)) / min(s) if min(s) > min(b) else 0))

    # The pool sets the pace: tasks of about 20 us (fib 20), one a message.
    versus("100000 fib 20, apply_async", ["-w", "2", "-m", "apply_async", "-t",
                                          "fib 20 x100000"], [], "")
    # The tool sets the pace: a million trivial tasks that each print a line.
    # --quiet alone would not even make the lines (nobody reads them); with
    # --svg the model keeps lines and lanes as the screen's does, so the
    # difference is the drawing.
    # The row: a million squares with map, where both take each
    # chunk's instant tasks a run at a time (the screen's runs carry each
    # task's end, and it keeps each task's times, slot and lane).
    versus("1000000 square, map", ["-w", "2", "-m", "map", "-t",
                                   "square 1..1000000"], [], " -q")
    big = ["-w", "2", "-m", "apply_async", "-t", "square 1..1000000"]
    versus("1000000 square, apply_async", big, [], " -q")
    versus("1000000 square, apply_async", big, ["--svg", "/dev/null"],
           " -q --svg (the same lines kept)")
    args2 = ["-w", "8", "-m", "apply_async", "--time-scale", "0.5", "-t", "sleep 20..219"]
    n, secs = terminal_bytes(ps, args2)
    print("   bytes written to the terminal: %d in %.1f s of a busy run: %.0f bytes/s"
          % (n, secs, n / secs))
    cpu = paused_cpu(ps)
    if cpu is not None:
        print("   paused screen: %.3f s of CPU over 5 s = %.2f%% (goal < 1%%)"
              % (cpu, cpu / 5 * 100))

    print()
    print("6. scale: 1024 workers, 1000000 tasks")
    big = ["-w", "1024", "-m", "apply_async", "-t", "square 1..1000000"]
    wall, total = ps_run_wall(ps, big)
    kb = peak_rss_kb([ps, "-q"] + big)
    print("   batch: run %.3f s, whole process %.3f s, parent peak RSS %s"
          % (wall, total, "%d KiB = %.0f bytes a task (budget 200)" %
             (kb, kb * 1024.0 / 1e6) if kb else "unknown"))
    for w, h in ((80, 24), (200, 50)):
        f, wall = screen_frames(ps, big, w, h)
        if f is None:
            print("   screen %dx%d: no frame statistics" % (w, h))
            continue
        print("   screen %dx%d: run %s, %d frames, frame time mean %.2f ms,"
              " median %.2f ms, p99 %.2f ms, max %.2f ms"
              % (w, h, wall, f["frames"], f["mean_ms"], f["p50_ms"],
                 f["p99_ms"], f["max_ms"]))


def main_replay(ps, runs):
    """A recording of a million squares, and playing it back as fast as it
    goes: reading a recording must cost about what making it did."""
    n = 1000000
    tmp = tempfile.mkdtemp(prefix="psbench-")
    rec = os.path.join(tmp, "r.jsonl")
    try:
        make = [ps, "--batch", "-q", "-w", "2", "--record", rec, "-t", "square 1..%d" % n]
        play = [ps, "--batch", "-q", "--time-scale", "0.001", "--replay", rec]
        runs = min(runs, 3)

        def record():
            # --record will not replace a file: each run makes it anew
            if os.path.exists(rec):
                os.unlink(rec)
            return whole(make)
        tr = med(record, runs)
        tp = med(lambda: whole(play), runs)
        kb = peak_rss_kb(play)
        print()
        print("7. record and replay: %d square tasks (a %.0f MB recording), whole process"
              % (n, os.path.getsize(rec) / 1e6))
        print("   record  --batch -q --record             %7.3f s" % tr)
        print("   replay  --batch -q --time-scale 0.001   %7.3f s   %.2fx the recording's time"
              " (goal about 1x)%s" % (tp, tp / tr, ", peak RSS %d KiB" % kb if kb else ""))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


PY_TRACED_IMAP = ("import multiprocessing as mp\n"
                  "def square(n):\n    return n * n\n"
                  "if __name__ == '__main__':\n"
                  "    with mp.Pool(2) as p:\n"
                  "        for r in p.imap_unordered(square, range(%d), chunksize=1):\n"
                  "            pass\n")
PY_TRACED_MAP = ("import multiprocessing as mp\n"
                 "def square(n):\n    return n * n\n"
                 "if __name__ == '__main__':\n"
                 "    with mp.Pool(2) as p:\n"
                 "        p.map(square, range(%d))\n")


def spread(ts):
    return "%.3f s (%.3f-%.3f)" % (statistics.median(ts), min(ts), max(ts))


def alternate(fs, runs):
    """Each of fs run in turn, runs times: each one's times."""
    out = [[] for _ in fs]
    for _ in range(runs):
        for k, f in enumerate(fs):
            out[k].append(f())
    return out


def main_tracer(ps, runs):
    """A Python program watched (poolscope -- python3 PROGRAM) against the
    same program alone: what the tracer costs it."""
    tmp = tempfile.mkdtemp(prefix="psbench-")
    try:
        print()
        print("8. a Python program watched (-- python3 PROGRAM) against it alone,"
              " whole process")
        for name, text, n, goal in (
                ("imap_unordered(chunksize=1)", PY_TRACED_IMAP, 100000, 1.10),
                ("map(), default chunksize", PY_TRACED_MAP, 1000000, 1.03)):
            path = os.path.join(tmp, "prog.py")
            with open(path, "w") as f:
                f.write(text % n)
            alone, watched = alternate([
                lambda: whole_cpu(["python3", path]),
                lambda: whole_cpu([ps, "--batch", "-q", "--", "python3",
                                   path])], runs)
            aw, wc = [a[0] for a in alone], [w[0] for w in watched]
            # Each watched run against the run alone just before it: the
            # machine's load drifts between runs less than across them.
            paired = sorted(w / a for a, w in zip(aw, wc))
            print("   Pool(2).%-28s %7d tasks: alone %s, watched %s, %.2fx "
                  "(goal %.2fx); run by run %.2fx (%.2f-%.2f)" % (
                      name, n, spread(aw), spread(wc),
                      statistics.median(wc) / statistics.median(aw), goal,
                      statistics.median(paired), paired[0], paired[-1]))
            # CPU time swings less than wall time on a shared machine: what
            # the tracer (and poolscope reading it) cost, whatever the load.
            ac, cc = [a[1] for a in alone], [w[1] for w in watched]
            print("   %-37s CPU: alone %s, watched %s, %.2fx" % (
                "", spread(ac), spread(cc),
                statistics.median(cc) / statistics.median(ac)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main_limits(ps, limits, runs):
    """poolscope against the simplest C programs that do the same work
    (bench/limits.c), and against Python: the table of ratios."""
    print()
    print("0. against what this machine can do (bench/limits.c), whole "
          "process, output to /dev/null; medians of %d alternating runs "
          "(min-max)" % runs)
    n1, n10 = 1000000, 10000000
    ser, lim, psm = alternate([
        lambda: whole([limits, "serial", str(n1)]),
        lambda: whole([limits, "pool", str(n1), "2"]),
        lambda: whole([ps, "-q", "-w", "2", "-m", "map", "-t",
                       "square 1..%d" % n1])], runs)
    print("   1M square, map, -w 2: serial C %s, pool limit %s, poolscope %s:"
          " %.1fx the pool limit (goal 2.5x)" % (
              spread(ser), spread(lim), spread(psm),
              statistics.median(psm) / statistics.median(lim)))
    src = PY_MAP % n10
    py, ps10 = alternate([
        lambda: whole([sys.executable, "-c", src]),
        lambda: whole([ps, "-q", "-w", "2", "-m", "map", "-t",
                       "square 1..%d" % n10])], max(1, runs // 2))
    print("   10M square, map: Python Pool(2).map %s, poolscope %s: %.2fx "
          "faster (goal 3x)" % (spread(py), spread(ps10),
                                statistics.median(py) /
                                statistics.median(ps10)))
    lim, psa = alternate([
        lambda: whole([limits, "msg", str(n1), "2"]),
        lambda: whole([ps, "-q", "-w", "2", "-m", "apply_async", "-t",
                       "square 1..%d" % n1])], runs)
    print("   1M square, apply_async, -w 2: one-task limit %s, poolscope %s:"
          " %.1fx (goal 5x)" % (spread(lim), spread(psa),
                                statistics.median(psa) /
                                statistics.median(lim)))
    lim, psp = alternate([
        lambda: whole([limits, "proc", "2000", "2"]),
        lambda: whole([ps, "-q", "-w", "2", "-m", "process", "-t",
                       "square 1..2000"])], runs)
    print("   2000 tasks, -m process -w 2: fork/exit/wait %s, poolscope %s:"
          " %.2fx (goal 1.5x)" % (spread(lim), spread(psp),
                                  statistics.median(psp) /
                                  statistics.median(lim)))
    lim, pss = alternate([
        lambda: whole([limits, "start", "512"]),
        lambda: whole([ps, "-q", "-w", "512", "-t", "square 1"])], runs)
    print("   start-up and shut-down, 512 workers: fork N %s, poolscope %s:"
          " %.2fx (goal 1.5x)" % (spread(lim), spread(pss),
                                  statistics.median(pss) /
                                  statistics.median(lim)))
    sl = [ps_run_wall(ps, ["-w", "100", "-t", "sleep 10 x1000"])[0]
          for _ in range(runs)]
    # Python's map cuts 1000 items for 100 workers into chunks of 3
    # (divmod(1000, 400), rounded up): 334 chunks, so some worker runs 4
    # of them one after another, 120 ms, whatever the tool does.
    cs = -(-1000 // (100 * 4))
    least = -(-(-(-1000 // cs)) // 100) * cs * 0.010
    print("   1000 x sleep 10 on 100 workers: poolscope's run %s against the"
          " ideal 0.100 s: %.2fx (goal 1.1x); against %.3f s, the least "
          "map's chunks of %d allow: %.2fx" % (
              spread(sl), statistics.median(sl) / 0.100, least, cs,
              statistics.median(sl) / least))
    base = peak_rss_kb([ps, "-q", "-w", "2", "-m", "map", "-t", "square 1"])
    big = peak_rss_kb([ps, "-q", "-w", "2", "-m", "map", "-t",
                       "square 1..%d" % n10])
    if base is not None:
        print("   parent memory, 10M tasks: %.0f bytes a task over the base "
              "(goal 16)" % ((big - base) * 1024.0 / n10))


if __name__ == "__main__":
    main()
    runs = int(sys.argv[sys.argv.index("--runs") + 1]) if "--runs" in sys.argv else 5
    main_screen(os.path.abspath(sys.argv[1]), runs)
    main_replay(os.path.abspath(sys.argv[1]), runs)
    main_tracer(os.path.abspath(sys.argv[1]), runs)
    if "--limits" in sys.argv:
        main_limits(os.path.abspath(sys.argv[1]),
                    sys.argv[sys.argv.index("--limits") + 1], runs)
