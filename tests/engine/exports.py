"""--trace and --svg: what they write, checked by parsing it."""
import atexit
import functools
import json
import os
import re
import shutil
import tempfile
import xml.dom.minidom
import xml.etree.ElementTree as ET

from pstest import TAP, case, main, run

t = TAP()
tmp = tempfile.mkdtemp(prefix="pstest-exports-")
atexit.register(shutil.rmtree, tmp, True)
TASKS = "sleep 300; sleep 100; sleep 200; square 1..5; fail"


@functools.cache
def exported():
    """One run writing both exports: (trace path, svg path)."""
    trace = os.path.join(tmp, "run.json")
    svg = os.path.join(tmp, "run.svg")
    p = run(["--batch", "-q", "-w", "3", "-m", "apply_async", "--time-scale", "0.5",
             "--trace", trace, "--svg", svg, "-t", TASKS])
    t.eq(p.returncode, 1, "the run (with a failing task) exits 1")
    return trace, svg


@case
def trace():
    # The trace: JSON with one complete event per task on its worker's track.
    trace, _ = exported()
    try:
        with open(trace) as f:
            doc = json.load(f)
        ok = True
    except (OSError, ValueError):
        doc, ok = {"traceEvents": []}, False
    t.ok(ok, "--trace writes valid JSON")
    evs = doc["traceEvents"]
    tasks = [e for e in evs if e.get("ph") == "X" and e.get("cat") in ("task", "failed")]
    t.eq(sorted(e["args"]["task"] for e in tasks), list(range(9)),
         "one complete event per task")
    t.ok(all(isinstance(e["ts"], (int, float)) and e["dur"] >= 0 for e in tasks),
         "each has a start and a duration")
    t.ok(all(e["tid"] >= 1 for e in tasks), "tasks sit on worker tracks (tid = slot + 1)")
    names = {e["tid"]: e["args"]["name"] for e in evs
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    t.eq(names.get(0), "caller", "track 0 is the caller")
    t.ok(all(names.get(w, "").startswith("worker %d (pid " % (w - 1)) for w in (1, 2, 3)),
         "worker tracks are named with their PIDs", names)
    sleep100 = [e for e in tasks if e["args"]["task"] == 1][0]
    t.ok(40000 <= sleep100["dur"] <= 1000000,
         "a 100 ms sleep at time scale 0.5 lasts about 50 ms (%.0f us)" % sleep100["dur"])
    t.eq(sleep100["args"]["result"], "100", "the task's result is in its arguments")
    t.eq(sleep100["args"]["call"], "sleep 100", "and so is the call")
    failed = [e for e in tasks if e["cat"] == "failed"]
    t.eq([e["args"]["task"] for e in failed], [8], "the failed task is marked failed")
    inst = [e for e in evs if e.get("ph") == "i"]
    t.eq(len(inst), 9, "an instant event per result received")
    t.eq([e["args"]["task"] for e in sorted(inst, key=lambda e: e["args"]["seq"])][-2:],
         [2, 0], "instants follow the caller's arrival order (2 then 0 last)")
    t.ok(all(e["tid"] == 0 for e in inst), "on the caller's track")


@case
def trace_tracks():
    # Each task's track is the worker the event stream says ran it.
    trace = os.path.join(tmp, "tracks.json")
    p = run(["--batch", "--json", "-w", "3", "-m", "apply_async", "-t",
             "sleep 30 x9; square 1..6; fail", "--trace", trace])
    ran = {e["task"]: e["worker"] for e in map(json.loads, p.stdout.splitlines())
           if e["ev"] in ("task_start", "task_fail") and e.get("worker", -1) >= 0}
    with open(trace) as f:
        evs = json.load(f)["traceEvents"]
    tid = {e["args"]["task"]: e["tid"] - 1 for e in evs
           if e.get("ph") == "X" and e.get("cat") in ("task", "failed")}
    t.ok(len(tid) == 16 and tid == ran,
         "each task of the trace is on the track of the worker that ran it",
         (tid, ran))


@case
def svg():
    # The SVG: well-formed XML, one block per task, an axis and the order.
    _, svg = exported()
    try:
        dom = xml.dom.minidom.parse(svg)
        ok = True
    except Exception:  # noqa: BLE001 - any parse error fails the test
        dom, ok = None, False
    t.ok(ok, "--svg writes well-formed XML")
    if dom is None:
        return
    root = dom.documentElement
    t.eq(root.tagName, "svg", "the root element is svg")
    t.eq(root.getAttribute("xmlns"), "http://www.w3.org/2000/svg", "with the SVG namespace")
    blocks = [g for g in dom.getElementsByTagName("g") if g.getAttribute("class") == "task"]
    t.eq(len(blocks), 9, "one block per task")
    titles = [g.getElementsByTagName("title")[0].firstChild.data for g in blocks]
    t.ok(any(s.startswith("task 1: sleep 100 -> 100") for s in titles),
         "blocks are labelled with task, call and result")
    texts = [n.firstChild.data for n in dom.getElementsByTagName("text") if n.firstChild]
    t.ok(any(s.endswith(" s") for s in texts), "there is a time axis")
    order = [s for s in texts if s.startswith("results in the order")]
    t.ok(order and order[0].endswith("2, 0"), "the result order is written out", order)
    results = [n for n in dom.getElementsByTagName("line") if n.getAttribute("class") == "result"]
    t.eq(len(results), 9, "a tick per result on the caller's lane")
    t.ok(not any(n.tagName in ("script", "image", "use") for n in
                 dom.getElementsByTagName("*")), "self-contained: no scripts or images")


@case
def big_svg():
    # Many tasks still make a picture of bounded size.
    svg = os.path.join(tmp, "big.svg")
    p = run(["--batch", "-q", "-w", "2", "-m", "map", "--svg", svg, "-t", "square 1..200000"],
            timeout=120)
    t.ok(p.returncode == 0 and os.path.getsize(svg) < 5000000,
         "200000 tasks: the SVG stays small (%d bytes)" % os.path.getsize(svg))
    xml.dom.minidom.parse(svg)
    t.ok(True, "and well-formed")


# ---------------------------------------------------------------- fitting
# Every <text> must lie inside the viewBox.  Its extent is estimated from
# its x, text-anchor, font-size and length: DejaVu Sans averages about 0.55
# em a character and its digits take 0.64 em, so 0.65 em (0.72 em in bold)
# is on the safe side; above the baseline 0.95 em, below it 0.25 em.
SVG_NS = "{http://www.w3.org/2000/svg}"


def text_boxes(path):
    """(width, height, [(text, left, right, top, bottom)]) of an SVG."""
    root = ET.parse(path).getroot()
    vb = [float(v) for v in root.get("viewBox").split()]
    t.eq(vb[:2], [0.0, 0.0], "%s: the viewBox starts at 0,0" % os.path.basename(path))
    t.eq((float(root.get("width")), float(root.get("height"))), (vb[2], vb[3]),
         "%s: width and height are the viewBox's" % os.path.basename(path))
    boxes = []

    def walk(el, size, bold, anchor):
        size = float(el.get("font-size", size))
        bold = el.get("font-weight", "bold" if bold else "normal") == "bold"
        anchor = el.get("text-anchor", anchor)
        if el.tag == SVG_NS + "text":
            s = "".join(el.itertext())
            w = len(s) * size * (0.72 if bold else 0.65)
            x, y = float(el.get("x")), float(el.get("y"))
            left = {"start": x, "middle": x - w / 2, "end": x - w}[anchor]
            boxes.append((s, left, left + w, y - 0.95 * size, y + 0.25 * size))
        for child in el:
            walk(child, size, bold, anchor)

    walk(root, 16, False, "start")
    return vb[2], vb[3], boxes


def fits(path, what):
    """Check that every text of the SVG at path lies inside its picture."""
    width, height, boxes = text_boxes(path)
    out = [b for b in boxes if b[1] < 0 or b[2] > width or b[3] < 0 or b[4] > height]
    t.ok(boxes and not out, "%s: all %d texts inside the %gx%g picture"
         % (what, len(boxes), width, height),
         "\n".join("x %.0f..%.0f y %.0f..%.0f: %.70s" % (b[1], b[2], b[3], b[4], b[0])
                   for b in out[:10]))
    return boxes


def svg_of(name, args, timeout=60):
    """Run poolscope in batch mode writing an SVG; returns its path."""
    path = os.path.join(tmp, name + ".svg")
    p = run(["--batch", "-q", "--svg", path] + args, timeout=timeout)
    t.ok(p.returncode in (0, 1) and os.path.exists(path), "%s: the run writes an SVG" % name,
         p.stderr)
    return path


def result_items(boxes):
    """The result order as the SVG writes it: (task indices, 'and N more' or 0)."""
    lines = [b[0] for b in boxes]
    start = [i for i, s in enumerate(lines) if s.startswith("results in the order")]
    if not start:
        return [], 0
    text = " ".join(lines[start[0]:]).split(":", 1)[1]
    more = re.search(r"\.\.\. and (\d+) more$", text)
    if more:
        text = text[:more.start()]
    # Anything but a whole number (a "..." left in the list) reads as -1.
    return ([int(v) if v.isdigit() else -1 for v in text.replace(",", " ").split()],
            int(more.group(1)) if more else 0)


@case
def svg_fits_64_workers():
    # 64 labelled lanes, each worker with its PID.
    path = svg_of("w64", ["-w", "64", "-m", "apply_async", "--time-scale", "0.2",
                          "-t", "sleep 100..227"])
    boxes = fits(path, "64 workers")
    t.ok(any(b[0].startswith("worker 63") for b in boxes), "worker 63 is labelled")


@case
def svg_fits_failures():
    # Failed tasks (an error, a crash whose error names the worker and its
    # PID, a long shell command) in each call style.
    long_sh = "sh " + "echo " + "x" * 300 + " && exit 3"
    for mode in ("apply", "map", "imap", "imap_unordered", "apply_async", "process"):
        path = svg_of("fail-" + mode, ["-w", "3", "-m", mode, "--time-scale", "0.1",
                                       "-t", "sleep 200; fail; crash; %s; square 1..20" % long_sh])
        fits(path, "a failed task, %s" % mode)


@case
def svg_retried_runs():
    # A task whose worker died and that ran again: each run is its own block,
    # on the lane where it ran, the earlier one failed (red).
    path = svg_of("retry", ["-w", "1", "--retries", "1", "-t", "crash; square 2"])
    dom = xml.dom.minidom.parse(path)
    blocks = [g for g in dom.getElementsByTagName("g") if g.getAttribute("class") == "task"]
    titles = [g.getElementsByTagName("title")[0].firstChild.data for g in blocks]
    runs0 = [x for x in titles if x.startswith("task 0: crash")]
    t.ok(len(runs0) == 2, "a retried task: a block for each of its two runs", titles)
    t.ok(any("its worker died; run again" in x for x in runs0),
         "the first run says its worker died and it ran again", runs0)
    fills = [g.getElementsByTagName("rect")[0].getAttribute("fill") for g in blocks
             if g.getElementsByTagName("title")[0].firstChild.data.startswith("task 0:")]
    t.eq(fills, ["#e53935", "#e53935"], "both runs are red (both failed)")


@case
def svg_fits_300_results():
    # 300 results: the order is written out in whole numbers, none cut.
    path = svg_of("r300", ["-w", "4", "-m", "imap_unordered", "-t", "square 1..300"])
    items, more = result_items(fits(path, "300 results"))
    t.ok(len(items) > 20 and len(items) + more == 300 and all(0 <= v < 300 for v in items),
         "the result order: %d written, %d counted as more, 300 in all" % (len(items), more))


@case
def svg_fits_million():
    # A million tasks: the result order is cut at a whole item and counted.
    path = svg_of("million", ["-w", "2", "-m", "imap", "-t", "square 1..1000000"],
                  timeout=120)
    items, more = result_items(fits(path, "a million tasks"))
    t.ok(items == list(range(len(items))) and more == 1000000 - len(items) and more > 0,
         "imap's order begins 0, 1, 2, ... and the rest is counted (%d + %d)"
         % (len(items), more))


def extreme_recording(path, workers=4096, ntasks=5000):
    """A hand-made recording of the widest labels there can be: 4096
    workers with 7-digit PIDs, the last one respawned, a long error."""
    tasks = ["sleep 10"] * ntasks
    evs = [{"t": 0, "ev": "run_start", "mode": "process", "workers": workers, "cpus": 4096,
            "tasks": ntasks, "chunksize": 1}]
    pid = 4194304
    for w in range(workers):
        evs.append({"t": 0.000001, "ev": "worker_start", "worker": w, "pid": pid - w})
    for k in range(3):      # the last slot's process replaced three times
        evs.append({"t": 0.000002, "ev": "worker_exit", "worker": workers - 1,
                    "pid": pid - workers + 1 - k * workers, "status": "exited 0"})
        evs.append({"t": 0.000002, "ev": "worker_start", "worker": workers - 1,
                    "pid": pid - workers + 1 - (k + 1) * workers})
    tt, seq = 0.00001, 0
    for i in range(ntasks):
        w = (i * 7) % workers
        evs.append({"t": tt, "ev": "task_start", "task": i, "worker": w, "chunk": i})
        tt += 0.000001
        if i == ntasks // 2:
            evs.append({"t": tt, "ev": "task_fail", "task": i, "worker": w,
                        "error": "worker %d (pid %d) killed by SIGSEGV: " % (w, pid - w)
                        + "a very long error text " * 40})
        else:
            evs.append({"t": tt, "ev": "task_done", "task": i, "worker": w, "result": "10"})
        evs.append({"t": tt, "ev": "result", "task": i, "seq": seq, "value": "10"})
        seq += 1
    evs.append({"t": tt, "ev": "run_end", "tasks": ntasks, "ok": ntasks - 1, "failed": 1,
                "wall": tt + 100000})
    with open(path, "w") as f:
        f.write(json.dumps({"t": 0, "ev": "recording", "version": 1,
                            "program": "poolscope 0.1.0", "tasks": tasks}) + "\n")
        for e in evs:
            f.write(json.dumps(e) + "\n")


@case
def svg_fits_extremes():
    # The widest labels: 4096 workers with 7-digit PIDs, processors and
    # tasks in thousands, a wall time of a day; replayed from a recording.
    rec = os.path.join(tmp, "extreme.rec")
    extreme_recording(rec)
    path = svg_of("extreme", ["--replay", rec, "--time-scale", "0.001"], timeout=120)
    boxes = fits(path, "4096 workers, 7-digit PIDs")
    t.ok(any(b[0].startswith("worker 4095") for b in boxes), "worker 4095 is labelled")
    t.ok(any("4177921" in b[0] for b in boxes), "with its latest PID")


@case
def bad_paths():
    # Bad paths are caught before anything runs.
    p = run(["--batch", "--svg", "/nonexistent-dir/x.svg", "-t", "square 1"])
    t.ok(p.returncode == 2 and "--svg" in p.stderr and "/nonexistent-dir" in p.stderr,
         "--svg into a missing directory: exit 2 and a message", p.stderr)
    t.eq(p.stdout, "", "and nothing ran")
    p = run(["--batch", "--trace", "", "-t", "square 1"])
    t.ok(p.returncode == 2 and "--trace" in p.stderr, "--trace with an empty name: exit 2")


main(t)
