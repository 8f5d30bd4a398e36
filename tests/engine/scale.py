"""Scale: 1024 workers and a million tasks in batch mode.  Every result is
right, the parent stays within its memory budget (200 bytes a task), the
whole pool is forked before the first task is handed out (as Python's Pool
does), and a pool past the limit is refused with a message naming it."""
import hashlib
import os
import subprocess

from pstest import (TAP, POOLSCOPE, WRAPPER, SLOW, case, main, run, run_json,
                    of, wait_gone)

t = TAP()
N = 1000000
W = 1024


@case
def million_squares():
    # A million squares on 1024 workers, with map's chunking.
    with open(POOLSCOPE, "rb") as f:
        sanitized = b"__asan_init" in f.read()
    argv = WRAPPER + [POOLSCOPE, "--batch", "-q", "-w", str(W), "-m", "map",
                      "-t", "square 1..%d" % N]
    timed = os.path.exists("/usr/bin/time") and not WRAPPER
    if timed:
        argv = ["/usr/bin/time", "-f", "%M"] + argv
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600 * SLOW)
    t.eq(p.returncode, 0, "%d workers, %d tasks: exit 0" % (W, N))
    lines = p.stdout.splitlines()
    want = "[" + ", ".join(str(i * i) for i in range(1, N + 1)) + "]"
    t.ok(len(lines) == 2 and hashlib.sha1(lines[0].encode()).digest() ==
         hashlib.sha1(want.encode()).digest(), "every result, in order",
         (lines[0][:80] + "..." + lines[0][-80:]) if lines else p.stderr)
    t.ok(len(lines) == 2 and lines[1].startswith("%d tasks, 0 failed" % N) and
         "%d workers" % W in lines[1], "the summary", lines[-1:] or p.stderr)
    if timed and not sanitized:
        kb = int(p.stderr.strip().splitlines()[-1])
        t.ok(kb * 1024 < 200 * N, "the parent's peak memory: %d KiB, %.0f bytes a "
             "task (budget 200)" % (kb, kb * 1024.0 / N))
    else:
        t.skip("memory budget", "under a sanitizer or wrapper, or without "
               "/usr/bin/time")


@case
def big_pool_events():
    # The event stream of a big pool: every worker starts and exits cleanly,
    # and no task starts before the last worker is forked.
    p, ev = run_json(["-w", str(W), "-m", "apply_async", "-t", "square 1..50000"],
                     timeout=600)
    t.eq(p.returncode, 0, "apply_async on %d workers: exit 0" % W)
    starts = of(ev, "worker_start")
    t.eq(sorted(e["worker"] for e in starts), list(range(W)),
         "a worker_start for each of the %d slots" % W)
    t.eq(len(of(ev, "worker_exit", status="exited 0")), W, "each exits 0")
    first_task = next((i for i, e in enumerate(ev) if e["ev"] == "task_start"), None)
    last_start = max(i for i, e in enumerate(ev) if e["ev"] == "worker_start")
    t.ok(first_task is not None and first_task > last_start,
         "the first task starts after the last worker is forked")
    t.eq(sorted(e["task"] for e in of(ev, "result")), list(range(50000)),
         "every result arrives")
    t.eq(wait_gone([e["pid"] for e in starts], 20), [], "no worker left behind")


@case
def past_the_limit():
    # Past the limit: refused before anything is forked.
    p = run(["--batch", "-w", "4097", "-t", "square 1"])
    t.eq(p.returncode, 2, "-w 4097: exit 2")
    t.ok("--workers: 4097 is too large; give a pool size from 1 to 4096" in
         p.stderr, "the message names the limit", p.stderr)


main(t)
