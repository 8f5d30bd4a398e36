"""--record and --replay: the same events back, and clear refusals."""
import atexit
import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

from pstest import TAP, Live, SLOW, add_case, case, cmd, main, run, run_json, of

t = TAP()
tmp = tempfile.mkdtemp(prefix="pstest-replay-")
# The recordings made here (a 16 MB header among them) go.
atexit.register(shutil.rmtree, tmp, True)
rec = os.path.join(tmp, "run.rec")
TASKS = r"sleep 300; sleep 100; sleep 200; square 1..3; fail; crash; sh echo a\; echo b"


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
    return path


@functools.cache
def recording():
    """The run recorded in rec: (its live events, the recording's lines)."""
    p, live = run_json(["-w", "3", "-m", "apply_async", "--time-scale", "0.5",
                        "--record", rec, "-t", TASKS])
    t.eq(p.returncode, 1, "a recorded run with failures exits 1")
    with open(rec) as f:
        lines = f.read().splitlines()
    head = json.loads(lines[0])
    t.eq((head["ev"], head["version"]), ("recording", 1), "the file starts with its header")
    t.eq(head["tasks"][:2] + head["tasks"][-1:], ["sleep 300", "sleep 100", "sh echo a; echo b"],
         "the header holds the task list as task lines")
    recorded = [json.loads(l) for l in lines[1:]]
    t.eq(recorded, live, "the recording holds exactly the live event stream")
    return live, lines


@case
def record():
    recording()


@case
def replay_json():
    live, _ = recording()
    # Replay, as JSON: the same events.
    p, again = run_json(["--replay", rec])
    t.eq(p.returncode, 1, "--replay exits as the recorded run did (1)")
    t.eq(again, live, "record -> replay gives the same events")


@case
def replay_quiet():
    live, _ = recording()
    p = run(["--batch", "--quiet", "--replay", rec])
    t.eq(p.stdout.splitlines()[0],
         "[100, 1, 4, 9, TaskError('fail: the task raised an error'), "
         + p.stdout.splitlines()[0].split("TaskError('fail: the task raised an error'), ")[1],
         "--replay --quiet prints the results list")
    t.ok("TaskError('worker " in p.stdout and "killed by SIGSEGV" in p.stdout,
         "the crash is in the list as the caller got it")
    t.eq(p.stdout.splitlines()[0], "[" + ", ".join(e["value"] for e in of(live, "result")) + "]",
         "in the recorded order")


@case
def replay_pace():
    # The recorded pace is kept (scaled by --time-scale).
    live, _ = recording()
    t0 = time.monotonic()
    run(["--batch", "--quiet", "--replay", rec])
    slow = time.monotonic() - t0
    t0 = time.monotonic()
    run(["--batch", "--quiet", "--replay", rec, "--time-scale", "0.1"])
    fast = time.monotonic() - t0
    wall = live[-1]["wall"]
    t.ok(slow >= wall * 0.95, "replay takes the recorded time (%.3f s >= %.3f s)" % (slow, wall))
    t.ok(fast < slow, "--time-scale 0.1 plays it faster (%.3f s < %.3f s)" % (fast, slow))


@case
def replay_batch_lines():
    recording()
    p = run(["--batch", "--replay", rec])
    t.ok("caller received result #0: task 1 = 100" in p.stdout and
         "task 0 (sleep 300) started on worker" in p.stdout,
         "--replay --batch prints lines as a live run would")


@case
def bad_recordings():
    _, lines = recording()
    # Bad recordings: exit 2, a message with the file (and line), no crash.
    bad = [
        ("missing", os.path.join(tmp, "nope.rec"), ["cannot read the recording"]),
        ("empty", write("empty.rec", ""), ["is empty"]),
        ("foreign JSON", write("foreign.rec", '{"hello": 1}\n'), [":1:", "not a poolscope recording"]),
        ("a task list, not a recording", write("tasks.rec", "square 1..3\n"), [":1:", "not a poolscope recording"]),
        ("binary junk", write("junk.rec", b"\x00\x01\x02\xff\xfe"), ["binary data"]),
        ("truncated", write("trunc.rec", "\n".join(lines[:len(lines) // 2]) + "\n"),
         ["truncated"]),
        ("cut mid-line", write("cut.rec", "\n".join(lines)[:-20]), [":%d:" % len(lines)]),
        ("malformed line", write("bad.rec", "\n".join(lines[:3] + ['{"t":0.1,"ev":'] + lines[3:]) + "\n"),
         [":4:"]),
        ("unknown event", write("unk.rec", "\n".join(lines[:3] + ['{"t":0.1,"ev":"party"}'] + lines[3:]) + "\n"),
         [":4:", "unknown event 'party'"]),
        ("task out of range", write("range.rec", "\n".join(
            lines[:3] + ['{"t":0.1,"ev":"task_start","task":99,"worker":0,"pid":1,"chunk":0}'] + lines[3:]) + "\n"),
         [":4:", "'task' 99 is out of range"]),
        ("worker out of range", write("wrange.rec", "\n".join(
            lines[:3] + ['{"t":0.1,"ev":"worker_start","worker":7,"pid":1}'] + lines[3:]) + "\n"),
         [":4:", "'worker' 7"]),
        ("time going backwards", write("back.rec", "\n".join(
            lines[:5] + ['{"t":0.0,"ev":"worker_state","worker":0,"pid":1,"state":"idle"}'] + lines[5:]) + "\n"),
         [":6:", "time goes backwards"]),
        ("a newer version", write("v9.rec", lines[0].replace('"version":1', '"version":9') + "\n"
                                  + "\n".join(lines[1:]) + "\n"), [":1:", "version 9"]),
        ("a directory", tmp, ["directory"]),
    ]
    for name, path, want in bad:
        p = run(["--batch", "--replay", path])
        t.ok(p.returncode == 2 and all(w in p.stderr for w in want) and path in p.stderr,
             "%s: exit 2 and a clear message" % name, "%d %r" % (p.returncode, p.stderr))
        t.eq(p.stdout, "", "%s: nothing printed on stdout" % name)


# Recordings whose lines are each right but that disagree with each other:
# exit 2, the file and the line, nothing shown.
def dump(e):
    return json.dumps(e, separators=(",", ":"))


def edited(name, base, edit):
    """base's events through edit(events) -> (events, index of the bad
    one); the recording written, and the bad event's line number."""
    evs, bad = edit([json.loads(l) for l in base[1:]])
    return write(name, "\n".join([base[0]] + [dump(e) for e in evs]) + "\n"), bad + 2


def renumber(evs):
    """Results numbered 0, 1, 2, ... again after an edit."""
    n = 0
    for e in evs:
        if e["ev"] == "result":
            e["seq"] = n
            n += 1
    return evs


def at(evs, pred, nth=0):
    return [i for i, e in enumerate(evs) if pred(e)][nth]


def is_result(e):
    return e["ev"] == "result"


def dup_result(evs):
    i = at(evs, is_result, 2)
    evs.insert(i + 1, dict(evs[i]))
    return renumber(evs), i + 1


def drop_result(evs):
    del evs[at(evs, is_result, 2)]
    return evs, at(evs, is_result, 2)


def repeat_seq(evs):
    i = at(evs, is_result, 3)
    evs[i]["seq"] = 2
    return evs, i


def early_result(evs):
    # A result right after its task_done, moved before it (at its time).
    i = [k for k in range(1, len(evs)) if is_result(evs[k]) and
         evs[k - 1]["ev"] == "task_done" and evs[k - 1]["task"] == evs[k]["task"]][0]
    evs[i]["t"] = evs[i - 1]["t"]
    evs[i - 1], evs[i] = evs[i], evs[i - 1]
    return evs, i - 1


def twice_done(evs):
    i = at(evs, lambda e: e["ev"] == "task_done")
    evs.insert(i + 1, dict(evs[i]))
    return evs, i + 1


def end_counts(**change):
    def edit(evs):
        evs[-1].update({k: evs[-1].get(k, 0) + v for k, v in change.items()})
        return evs, len(evs) - 1
    return edit


def drop_last_result(evs):
    del evs[at(evs, is_result, -1)]
    return evs, len(evs) - 1


def skipped_result(evs):
    i = at(evs, lambda e: e["ev"] == "task_skip")
    evs.insert(i + 1, {"t": evs[i]["t"], "ev": "result", "task": evs[i]["task"],
                       "seq": 0, "value": "None"})
    return renumber(evs), i + 1


@functools.cache
def skip_recording():
    """A recorded map whose chunk raised: the recording's lines."""
    p, skip_live = run_json(["-w", "2", "-m", "map", "-c", "3", "--record",
                             os.path.join(tmp, "skip.rec"), "-t", "square 1..4; fail; square 5..9"])
    with open(os.path.join(tmp, "skip.rec")) as f:
        skip_lines = f.read().splitlines()
    t.ok(len(of(skip_live, "task_skip")) > 0, "a map whose chunk raised skips the rest of the chunk")
    t.eq(run(["--batch", "-q", "--replay", os.path.join(tmp, "skip.rec")]).returncode, 1,
         "and its recording replays")
    return skip_lines


@case
def skipped_chunk_recording():
    skip_recording()


@case
def damaged_recordings():
    _, lines = recording()
    skip_lines = skip_recording()
    damaged = [
        ("a second result for a task", lines, dup_result, "a second result for task"),
        ("a result missing from the seq order", lines, drop_result, "where 2 was due"),
        ("a seq repeated", lines, repeat_seq, "'seq' 2 where 3 was due"),
        ("a result before its task ended", lines, early_result, "which has not ended"),
        ("a task that ends twice", lines, twice_done, "ends a second time"),
        ("run_end's ok disagrees", lines, end_counts(ok=-1, failed=1), "run_end says"),
        ("run_end's skipped disagrees", lines, end_counts(ok=-1, skipped=1), "0 task_skip"),
        ("the last result missing", lines, drop_last_result, "1 is missing"),
        ("a result for a skipped task", skip_lines, skipped_result, "never ran (task_skip)"),
    ]
    for i, (name, base, edit, want) in enumerate(damaged):
        path, line = edited("damaged%d.rec" % i, base, edit)
        p = run(["--batch", "--replay", path])
        t.ok(p.returncode == 2 and "%s:%d: " % (path, line) in p.stderr and want in p.stderr,
             "%s: exit 2, the line (%d) and what is wrong" % (name, line),
             "%d %r" % (p.returncode, p.stderr))
        t.eq(p.stdout, "", "%s: nothing printed on stdout" % name)


def run_within(args, secs):
    """Run with a deadline of secs (scaled by SLOW): (CompletedProcess or
    None if it was not over by then and was killed, seconds taken)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd(args), capture_output=True, text=True,
                           timeout=secs * SLOW, errors="replace")
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - t0
    return p, time.monotonic() - t0


@case
def not_regular_files():
    # Not a regular file: a named pipe would block the open for ever (no writer
    # comes), /dev/zero would never end.  Both are refused at once.
    fifo = os.path.join(tmp, "pipe.rec")
    os.mkfifo(fifo)
    for args in (["--batch", "--replay"], ["--replay"]):
        p, secs = run_within(args + [fifo], 10)
        t.ok(p is not None and p.returncode == 2 and fifo in p.stderr and
             "named pipe" in p.stderr and "not a regular file" in p.stderr and p.stdout == "",
             "%s FIFO: refused at once (%.2f s), exit 2" % (" ".join(args), secs),
             None if p is None else "%d %r" % (p.returncode, p.stderr))
    p, secs = run_within(["--batch", "--replay", "/dev/zero"], 10)
    t.ok(p is not None and p.returncode == 2 and "/dev/zero: is a character device, not a "
         "regular file" in p.stderr and "empty" not in p.stderr,
         "/dev/zero: refused as not a regular file, not as empty",
         None if p is None else p.stderr)


@case
def million_line_header():
    # Reading is linear: a header of a million task lines (16 MB) is read in
    # well under a second; joining the lines with a strlen per line took
    # minutes.  The run recorded under it never started a task.
    N = 1000000
    big = write("big.rec", dump({"t": 0, "ev": "recording", "version": 1, "program": "test",
                                 "tasks": ["square %d" % i for i in range(1, N + 1)]}) + "\n"
                + dump({"t": 0, "ev": "run_start", "mode": "map", "workers": 2, "cpus": 2,
                        "tasks": N, "chunksize": 1}) + "\n"
                + dump({"t": 0.001, "ev": "run_end", "tasks": N, "ok": 0, "failed": 0,
                        "wall": 0.001, "interrupted": True}) + "\n")
    p, secs = run_within(["--batch", "-q", "--replay", big], 10)
    t.ok(p is not None and p.returncode == 1 and p.stdout.startswith("[]"),
         "a header of %d task lines is read within %.0f s (%.2f s)" % (N, 10 * SLOW, secs),
         None if p is None else "%d %r %r" % (p.returncode, p.stdout[:200], p.stderr))


@case
def lines_across_blocks():
    # A recording is read a block (1 MiB) at a time and its lines are read
    # where they lie: a line cut by the end of a block reads as any other,
    # and a NUL in a later block is found at its own line.
    path = os.path.join(tmp, "blocks.rec")
    run(["--batch", "-q", "-w", "2", "--record", path, "-t", "square 1..8000"])
    with open(path, "rb") as f:
        data = f.read()
    t.ok(len(data) > 2 * 1024 * 1024, "a recording of three blocks (%d bytes)" % len(data))
    recorded = [json.loads(l) for l in data.decode().splitlines()[1:]]
    p, again = run_json(["--replay", path, "--time-scale", "0.001"])
    t.ok(p.returncode == 0 and again == recorded,
         "its lines across the blocks replay as recorded", "%d %r" % (p.returncode, p.stderr))
    for at in (1024 * 1024 - 1, 1024 * 1024, 1536 * 1024, 2048 * 1024 + 3):
        nul = write("nul%d.rec" % at, data[:at] + b"\x00" + data[at + 1:])
        line = data[:at].count(b"\n") + 1
        p = run(["--batch", "--replay", nul])
        t.ok(p.returncode == 2 and "%s:%d: holds binary data" % (nul, line) in p.stderr
             and p.stdout == "", "a NUL at byte %d: exit 2 at its line (%d)" % (at, line),
             "%d %r" % (p.returncode, p.stderr))


# Every kind of run replays as it was recorded: each call style with an
# error and a crash, with --keep-going, with --retries, an empty list, a
# timeout, a child limit, and runs stopped by SIGTERM.
ERR = "square 1..5; fail; square 6..8; crash; square 9..11"
kinds = []
for m in ("apply", "map", "imap", "imap_unordered", "apply_async", "process"):
    kinds.append((m + "_failures", m + ", a failure and a crash",
                  ["-w", "2", "-m", m, "-t", ERR]))
    kinds.append((m + "_keep_going", m + " --keep-going",
                  ["-w", "2", "-m", m, "--keep-going", "-t", ERR]))
    kinds.append((m + "_retries", m + " --retries 1",
                  ["-w", "2", "-m", m, "--retries", "1", "-t", ERR]))
    kinds.append((m + "_empty", m + ", an empty list", ["-w", "2", "-m", m, "-t", ""]))
kinds.append(("imap_unordered_skipped_chunk", "imap_unordered -c 3, a skipped chunk",
              ["-w", "2", "-m", "imap_unordered", "-c", "3", "-t", ERR]))
kinds.append(("apply_async_timeout", "apply_async --timeout",
              ["-w", "2", "-m", "apply_async", "--timeout", "100",
               "-t", "square 1..3; hang; square 4..5"]))
kinds.append(("map_max_tasks_per_child", "map --max-tasks-per-child",
              ["-w", "2", "-m", "map", "-c", "2", "--max-tasks-per-child", "1", "-t", ERR]))


def replays_as_recorded(name, path, live_status):
    with open(path) as f:
        recorded = [json.loads(l) for l in f.read().splitlines()[1:]]
    p, again = run_json(["--replay", path, "--time-scale", "0.01"])
    t.ok(p.returncode == live_status and again == recorded,
         "%s: replays as recorded (exit %d)" % (name, live_status),
         "%d %r" % (p.returncode, p.stderr))
    t.eq([(e["task"], e["value"]) for e in of(again, "result")],
         [(e["task"], e["value"]) for e in of(recorded, "result")],
         "%s: the same result order" % name)


def replays_kind(i, name, args):
    path = os.path.join(tmp, "kind%d.rec" % i)
    p, _ = run_json(["--record", path] + args)
    replays_as_recorded(name, path, p.returncode)


def replays_stopped(m):
    path = os.path.join(tmp, "stopped-%s.rec" % m)
    live = Live(["-w", "2", "-m", m, "--record", path, "-t", "sleep 100 x6; fail; sleep 100 x6"])
    e = live.wait_for(lambda e: e["ev"] == "task_done", timeout=20)
    live.p.send_signal(signal.SIGTERM)
    status = live.finish(timeout=20)
    end = of(live.events, "run_end")
    t.ok(e is not None and status == 128 + signal.SIGTERM and end and end[0].get("interrupted"),
         "%s stopped by SIGTERM: the recording ends interrupted" % m, "%r %r" % (status, end))
    replays_as_recorded(m + " stopped by SIGTERM", path, 1)


for i, (key, name, args) in enumerate(kinds):
    add_case("replays_" + key, replays_kind, i, name, args)
for m in ("map", "apply_async", "process"):
    add_case("replays_stopped_" + m, replays_stopped, m)


@case
def refusals():
    recording()
    p = run(["--batch", "--replay", rec, "-t", "square 1"])
    t.ok(p.returncode == 2 and "--replay" in p.stderr, "--replay with a task list: exit 2")
    p = run(["--batch", "--replay", rec, "--record", os.path.join(tmp, "x.rec")])
    t.ok(p.returncode == 2 and "--record" in p.stderr, "--replay with --record: exit 2")
    p = run(["--batch", "--record", "/nonexistent-dir/x.rec", "-t", "square 1"])
    t.ok(p.returncode == 2 and "/nonexistent-dir" in p.stderr, "--record into a missing directory: exit 2")


@case
def replay_exports():
    # Exports from a replay match those of the live run.
    recording()
    svg1, svg2 = os.path.join(tmp, "a.svg"), os.path.join(tmp, "b.svg")
    tr = os.path.join(tmp, "b.json")
    p = run(["--batch", "-q", "--replay", rec, "--time-scale", "0.01", "--svg", svg2, "--trace", tr])
    with open(tr) as f:
        doc = json.load(f)
    t.eq(len([e for e in doc["traceEvents"] if e.get("ph") == "X" and e.get("cat") != "run"]), 9,
         "a replay exports its trace (one event per task)")


main(t)
