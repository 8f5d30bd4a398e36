"""Engine features: chunks, retiring workers, sentinel shutdown, output
capture, live flushing, process titles, file descriptors, time scale."""
import os
import signal

from pstest import TAP, Live, case, main, run_json, of, pid_alive, wait_gone

t = TAP()


@case
def chunks():
    # Chunks: a chunk's tasks go to one worker, consecutively.
    p, ev = run_json(["-w", "2", "-m", "map", "-c", "3", "-t", "square 1..10"])
    t.eq(ev[0]["chunksize"], 3, "-c 3 is reported in run_start")
    chunks = {}
    for e in of(ev, "task_start"):
        chunks.setdefault(e["chunk"], []).append(e)
    t.eq(sorted(chunks), [0, 1, 2, 3], "10 tasks in chunks of 3 make 4 chunks")
    t.ok(all(len(set(e["worker"] for e in c)) == 1 for c in chunks.values()),
         "every chunk ran on a single worker")
    t.ok(all([e["task"] for e in c] == list(range(3 * k, min(10, 3 * k + 3)))
             for k, c in chunks.items()), "every chunk holds consecutive tasks, in order")


@case
def map_default_chunksize():
    p, ev = run_json(["-w", "3", "-m", "map", "-t", "square 1..100"])
    t.eq(ev[0]["chunksize"], 9, "map's default chunksize: ceil(100 / (4 * 3)) = 9")


@case
def imap_unordered_chunks_arrive_together():
    p, ev = run_json(["-w", "2", "-m", "imap_unordered", "-c", "5", "-t", "square 1..20"])
    res = [e["task"] for e in of(ev, "result")]
    t.ok(all(res[i:i + 5] == list(range(res[i], res[i] + 5)) for i in range(0, 20, 5)),
         "imap_unordered -c 5: each chunk's results arrive together", res)


@case
def max_tasks_per_child():
    # --max-tasks-per-child: workers retire and slots get new processes.
    p, ev = run_json(["-w", "2", "-m", "apply_async", "--max-tasks-per-child", "2",
                      "-t", "square 1..10"])
    t.eq(p.returncode, 0, "--max-tasks-per-child: exit 0")
    per_pid = {}
    for e in of(ev, "task_start"):
        per_pid[e["pid"]] = per_pid.get(e["pid"], 0) + 1
    t.ok(max(per_pid.values()) <= 2, "no process ran more than 2 tasks", per_pid)
    t.ok(len(per_pid) >= 5, "at least 5 different PIDs ran the 10 tasks (%d)" % len(per_pid))
    t.ok(len(of(ev, "worker_start")) > 2, "slots were given new processes")
    t.ok(all(e["status"] == "exited 0" for e in of(ev, "worker_exit")),
         "retiring workers exit 0")
    t.eq(len(of(ev, "result")), 10, "every result arrives")


@case
def sentinel_shutdown():
    # Sentinel shutdown: every worker gets its None, exits 0, is reaped.
    p, ev = run_json(["-w", "4", "-m", "imap_unordered", "-t", "print 0..9"])
    starts = of(ev, "worker_start")
    exits = of(ev, "worker_exit")
    t.eq(len(starts), 4, "four workers started")
    t.eq(sorted(e["pid"] for e in exits), sorted(e["pid"] for e in starts),
         "every worker has a worker_exit")
    t.ok(all(e["status"] == "exited 0" for e in exits), "all exited 0 (the sentinel)")
    last_result = max(i for i, e in enumerate(ev) if e["ev"] == "result")
    t.ok(all(ev.index(e) > last_result for e in exits),
         "workers stop only after the last result (join after close)")
    t.eq(wait_gone([e["pid"] for e in starts], 5), [], "no worker left behind")


@case
def output_capture():
    # Output capture, tagged with task and worker.
    p, ev = run_json(["-w", "2", "-m", "map", "-t",
                      r"square 4; hello 7; sh echo out\; echo err >&2\; exit 3; print 42"])
    outs = of(ev, "output")
    byworker = {e["task"]: e["worker"] for e in of(ev, "task_start")}
    text = {}
    for e in outs:
        text[e["task"]] = text.get(e["task"], "") + e["text"]
    t.eq(text.get(0), "square of 4 is 16\n", "square prints like the seed")
    t.eq(text.get(1), "I'm the process with id: 7\n", "hello prints the seed's line")
    t.ok("out\n" in text.get(2, "") and "err\n" in text.get(2, ""),
         "sh: stdout and stderr are captured", text.get(2))
    t.eq(text.get(3), "42\n", "print prints its number")
    t.ok(all(e["worker"] == byworker[e["task"]] for e in outs),
         "each output is tagged with the worker that ran the task")
    t.eq([e["result"] for e in of(ev, "task_done", task=2)], ["3"],
         "sh: the result is the exit status")
    t.eq(p.returncode, 0, "a non-zero sh status is still a result, not a failure")


@case
def live_flushing():
    # Live: each event is flushed as it happens, not at the end.
    live = Live(["-w", "1", "-m", "apply_async", "-t", "sleep 50; sleep 1500"])
    e = live.wait_for(lambda e: e["ev"] == "task_done" and e["task"] == 0)
    t.ok(e is not None and live.p.poll() is None,
         "a reader sees task 0 done while the run is still going")
    w = live.wait_for(lambda e: e["ev"] == "task_start" and e["task"] == 1)
    if w is not None:
        try:
            with open("/proc/%d/cmdline" % w["pid"]) as f:
                title = f.read().replace("\0", " ").strip()
        except OSError:
            title = ""
        t.ok(title.startswith("poolscope: worker 0 task 1 sleep 1500"),
             "the worker's process title says what it does", title)
        fds = sorted(int(x) for x in os.listdir("/proc/%d/fd" % w["pid"]))
        t.eq(fds, [0, 1, 2, 3, 4], "a worker holds only stdin, stdout, stderr, its wake-up "
             "fd and its scheduler counters")
        try:
            link4 = os.readlink("/proc/%d/fd/4" % w["pid"])
        except OSError:
            link4 = ""
        t.ok(link4.endswith("/schedstat"), "fd 4 is its /proc schedstat file", link4)
    else:
        t.ok(False, "task 1 started")
        t.ok(False, "fds")
    t.eq(live.finish(), 0, "the live run exits 0")


@case
def sh_task_fds():
    # Commands run by sh tasks inherit no stray descriptors either.
    p, ev = run_json(["-w", "1", "-t", "sh ls /proc/$$/fd"])
    fds = sorted(int(x) for x in "".join(e["text"] for e in of(ev, "output")).split())
    t.eq(fds, [0, 1, 2], "an sh task sees only fds 0, 1 and 2")


@case
def workers_die_with_parent():
    # Workers die with the parent, even when it is killed outright.
    live = Live(["-w", "2", "-m", "apply_async", "-t", "sleep 20000; sleep 20000"])
    pids = set()
    while len(pids) < 2:
        e = live.wait_for(lambda e: e["ev"] == "task_start" and e["pid"] not in pids)
        if e is None:
            break
        pids.add(e["pid"])
    os.kill(live.p.pid, signal.SIGKILL)
    live.p.wait()
    t.eq(wait_gone(list(pids), 10), [], "SIGKILL to poolscope: no worker outlives it")


@case
def time_scale():
    # --time-scale multiplies durations.
    # The task's own time (start to done), not the whole process's, which a
    # loaded machine or a sanitizer stretches: unscaled it would be 1 s.
    p, ev = run_json(["-w", "1", "--time-scale", "0.1", "-t", "sleep 1000"])
    start = [e["t"] for e in ev if e["ev"] == "task_start"]
    done = [e["t"] for e in ev if e["ev"] == "task_done"]
    took = done[0] - start[0] if start and done else -1
    t.ok(0.095 <= took < 0.9,
         "--time-scale 0.1: sleep 1000 takes about 0.1 s (%.3f)" % took)


@case
def worker_start_first():
    # worker_start comes before the worker's first task.
    p, ev = run_json(["-w", "3", "-m", "imap", "-t", "cube 1..30"])
    first = {}
    ok = True
    for i, e in enumerate(ev):
        if e["ev"] == "worker_start":
            first[e["worker"]] = i
        if e["ev"] == "task_start" and e["worker"] not in first:
            ok = False
    t.ok(ok, "every task_start follows its worker's worker_start")


@case
def merged_by_time():
    # Records from all workers are merged by time: a busy worker does not hold
    # back another's events (whose timestamps would then be wrong).  A reader
    # that parses as it goes is slower than the pool, which is when it matters.
    live = Live(["-w", "2", "-m", "map", "-t", "square 1..200000"])
    live.finish(timeout=120)
    ev = live.events
    span = {}
    for e in ev:
        if e["ev"] in ("task_start", "task_done"):
            lo, hi = span.get(e["worker"], (e["t"], e["t"]))
            span[e["worker"]] = (min(lo, e["t"]), max(hi, e["t"]))
    t.ok(len(span) == 2 and span[0][0] < span[1][1] and span[1][0] < span[0][1],
         "both workers' task times overlap: they ran at the same time", span)


main(t)
