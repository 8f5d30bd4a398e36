"""observe: what a caller can observe of one run, in one shape, from CPython's
own multiprocessing.Pool (pyref.py, run as a script) and from poolscope
(its --batch --json events), so the two can be compared: the results in
the order the caller got them, the values, the exception that ended the
call, the errors received as results, and per task that ran its process
and its start and end (seconds from the start of the run).

scale multiplies sleeps, spins and the pace, as --time-scale does; pace
(milliseconds) makes each task last at least that long, as --pace does.
"""
import json
import os
import subprocess
import sys

from pstest import run_json, of

PYREF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pyref.py")


def python(mode, workers, tasks, chunksize=None, maxtasks=None, scale=1.0,
           pace=0):
    """The run through CPython's multiprocessing.Pool (pyref.py)."""
    cfg = {"mode": mode, "workers": workers, "tasks": tasks, "scale": scale,
           "pace": pace}
    if chunksize:
        cfg["chunksize"] = chunksize
    if maxtasks:
        cfg["maxtasksperchild"] = maxtasks
    p = subprocess.run([sys.executable, PYREF, json.dumps(cfg)],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("pyref failed: %s" % p.stderr[-2000:])
    obs = json.loads(p.stdout)
    obs["ran"] = {int(k): v for k, v in obs["ran"].items()}
    obs["received"] = {int(k): v for k, v in obs["received"].items()}
    return obs


def value(s):
    """A result as poolscope writes it, as pyref gives it."""
    if s.startswith("TaskError("):
        return "error"
    if s == "None":
        return None
    return int(s)


def poolscope(mode, workers, tasks, chunksize=None, maxtasks=None, scale=1.0,
              extra=(), pace=0):
    """The run through poolscope, from its events (kept in "events", with
    its exit status in "rc")."""
    args = ["-w", str(workers), "-m", mode, "-t", tasks, "--time-scale",
            str(scale)] + list(extra)
    if pace:
        args += ["--pace", str(pace)]
    if chunksize:
        args += ["-c", str(chunksize)]
    if maxtasks:
        args += ["--max-tasks-per-child", str(maxtasks)]
    p, ev = run_json(args)
    res = sorted(of(ev, "result"), key=lambda e: e["seq"])
    raises = mode in ("map", "imap", "imap_unordered") and "--keep-going" not in extra
    obs = {"results": [], "values": [], "raised": None, "errors": [],
           "received": {}, "ran": {}, "chunk": {}, "events": ev, "rc": p.returncode}
    for e in res:
        if e.get("ok") is False and raises:
            obs["raised"] = e["task"]
            continue
        obs["results"].append(e["task"])
        obs["values"].append(value(e["value"]))
        obs["received"][e["task"]] = e["t"]
        if e.get("ok") is False:
            obs["errors"].append(e["task"])
    for e in of(ev, "task_start"):
        obs["ran"][e["task"]] = [e["pid"], e["t"], None]
        obs["chunk"][e["task"]] = e["chunk"]
    for e in of(ev, "task_done") + of(ev, "task_fail"):
        if e["task"] in obs["ran"]:
            obs["ran"][e["task"]][2] = e["t"]
    obs["returned"] = max([e["t"] for e in res] or [0])
    return obs


def chunks_by_pid(obs):
    """The tasks each process ran, as sorted tuples: which tasks share a
    worker process."""
    by = {}
    for task, (pid, _, _) in obs["ran"].items():
        by.setdefault(pid, []).append(task)
    return sorted(tuple(sorted(v)) for v in by.values())


def runs_of(obs):
    """Maximal runs of consecutive tasks that one process ran back to back:
    what a chunk looks like from outside."""
    out = []
    by = {}
    for task, (pid, start, _) in obs["ran"].items():
        by.setdefault(pid, []).append((start, task))
    for pid, lst in by.items():
        lst.sort()
        cur = [lst[0][1]]
        for _, task in lst[1:]:
            if task == cur[-1] + 1:
                cur.append(task)
            else:
                out.append(tuple(cur))
                cur = [task]
        out.append(tuple(cur))
    return sorted(out)


def max_inflight(obs):
    """The most tasks running at once."""
    ev = []
    for _, (_, s, e) in obs["ran"].items():
        ev.append((s, 1))
        ev.append((e, -1))
    n = peak = 0
    for _, d in sorted(ev, key=lambda x: (x[0], x[1])):
        n += d
        peak = max(peak, n)
    return peak
