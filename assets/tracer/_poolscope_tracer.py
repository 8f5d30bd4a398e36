"""poolscope's tracer: what a Python program's multiprocessing pools do.

poolscope runs the program with this directory first on PYTHONPATH and
POOLSCOPE_TRACE naming a pipe.  Once the program imports multiprocessing,
a few of its functions are wrapped (never what is pickled, never what a
call returns) and every process writes one JSON object a line to the pipe:
when a process starts and ends, when a task is submitted, starts, ends and
reaches the caller, and what the pool's processes print.

Written against Lib/multiprocessing of CPython 3.8 to 3.14.  Where an
internal it needs is missing, that part is not traced and poolscope is
told why; the program runs on as it would.  Standard library only.
"""
import os
import sys
import threading
import time

_PATH = os.environ.get("POOLSCOPE_TRACE", "")
_MAX = 4000           # a write of at most PIPE_BUF bytes is never split
_REPR = 120           # a repr is cut to this many characters
_PERIOD = 0.02        # a pool process's batch waits at most this long (s)
_CHUNK = 16           # a chunk of more calls than this is traced as one task

_fd = -1
_pid = 0
_board = None         # in a pool's worker: its entry on the board
_boff = 0             # where that is: _SLOT bytes a PID
_SLOT = 32            # lines unsent (byte 0), a call held (1), its k (4),
_held_at = None       # job (8), i (16) and start (24): _held_at packs all
                      # but byte 0
_buf = []             # lines without their closing "}\n"
_LINES = 40           # a batch of this many lines is sent at once
_subq = []            # imap's submits, and the results its loop got, many
_recq = []            # a line when the batch goes (_pack_locked); each
                      # list is emptied in place, never replaced: _pend
                      # appends to it without the lock
_last = 0
_lock = threading.Lock()
_local = threading.local()
_patched = set()
_warned = set()
_now = time.monotonic_ns


# ------------------------------------------------------------ the channel
def _reset_after_fork():
    global _pid, _buf, _lock, _wake, _due, _held, _board, _held_at
    # What the parent had batched is the parent's to send.
    _pid = os.getpid()
    _buf = []
    _lock = threading.Lock()
    del _subq[:], _recq[:]
    _board = None
    _held_at = None
    _wake = None          # its flusher thread is not in the child
    _due = False
    _held = None


def _board_open():
    """The board poolscope made: _SLOT bytes a PID.  While this process
    holds lines it has not sent, its first byte is set, and Pool.terminate()
    waits for it to clear (_settle) before it kills the workers; while it
    runs a call, the second byte is set and the call's (k, job, i, start)
    are beside it, so that a worker that dies before it could say so still
    names the call it held."""
    global _board, _boff, _held_at
    path = os.environ.get("POOLSCOPE_BOARD")
    if not path or _pid <= 0:
        return
    try:
        import mmap
        import struct
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        try:
            board = mmap.mmap(fd, 0)
        finally:
            os.close(fd)
    except (OSError, ValueError, ImportError):
        return
    off = _pid * _SLOT
    if off + _SLOT <= len(board):
        board[off:off + _SLOT] = bytes(_SLOT)   # a PID before it: not mine
        _board, _boff = board, off
        _held_at = struct.Struct("<B2xiqqQ").pack_into


def _settle(procs, limit=0.5):
    """Wait (at most limit seconds) until none of procs holds lines it has
    not sent: each one's flusher sends them within _PERIOD."""
    try:
        path = os.environ.get("POOLSCOPE_BOARD")
        if not path:
            return
        global _seen
        board = _seen
        if board is None:
            import mmap
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                board = _seen = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
            finally:
                os.close(fd)
        offs = [p.pid * _SLOT for p in procs if getattr(p, "pid", None) and
                (p.pid + 1) * _SLOT <= len(board) and p.exitcode is None]
        end = time.monotonic() + limit
        while any(board[o] for o in offs) and time.monotonic() < end:
            time.sleep(0.001)
    except Exception:
        pass


_seen = None          # the board, as the program's side reads it


def _write(data):
    global _fd
    if _fd < 0:
        try:
            _fd = os.open(_PATH, os.O_WRONLY | os.O_CLOEXEC)
        except OSError:
            return
    try:
        n = os.write(_fd, data)
        if n == len(data):
            return
    except InterruptedError:
        n = 0
    except OSError:
        return
    view = memoryview(data)[n:]
    while view:
        try:
            n = os.write(_fd, view)
        except InterruptedError:
            continue
        except OSError:
            return
        view = view[n:]


def _flush_locked():
    global _buf, _last
    if _subq or _recq:
        _pack_locked()
    if not _buf:
        return
    _buf.append("")
    data = "}\n".join(_buf).encode("utf-8", "surrogatepass")
    _buf = []
    _last = _now()
    if _board is not None:
        _board[_boff] = 0
    # Whole lines in writes of at most _MAX bytes.
    start = 0
    while len(data) - start > _MAX:
        cut = data.rfind(b"\n", start, start + _MAX) + 1
        if cut <= start:
            cut = start + _MAX
        _write(data[start:cut])
        start = cut
    _write(data[start:])


def _pack_locked():
    """imap's submits and receipts, a line for many: "subs" with the
    calls' arguments and their times after the line's ("d"), "recvs" with
    each result's position and time ("r")."""
    n = len(_subq)
    q = _subq[:n]
    del _subq[:n]       # what _pend added since stays, for the next batch
    k = 0
    while k < len(q):
        # a run of one imap's items: (feed, time, argument); the feed is
        # [its line's start, the position of its next item]
        feed = q[k][0]
        j = k + 1
        while j < len(q) and q[j][0] is feed:
            j += 1
        run = q[k:j]
        args = [x[2] for x in run]
        # as many to a line as the longest argument lets in _MAX
        per = max(1, (_MAX - len(feed[0]) - 100) // (
            max(map(len, args)) + 24))
        for m in range(0, len(run), per):
            part = run[m:m + per]
            t0 = part[0][1]
            _buf.append('%s,"n":%d,"t":%d,"d":"%s","a":[%s]' % (
                feed[0], feed[1], t0,
                ",".join([str(x[1] - t0) for x in part]),
                ",".join(args[m:m + per])))
            feed[1] += len(part)
        k = j
    n = len(_recq)
    q = _recq[:n]
    del _recq[:n]
    k = 0
    while k < len(q):
        job, ok, t0 = q[k][0], q[k][1], q[k][3]
        j, end = k + 1, min(len(q), k + 200)
        while j < end and q[j][0] == job and q[j][1] == ok:
            j += 1
        _buf.append('{"e":"recvs","p":%d,"t":%d,"j":%d,"k":-1,"ok":%d,'
                    '"r":"%s"' % (_pid or os.getpid(), t0, job, ok, ",".join(
                        ["%d,%d" % (x[2], x[3] - t0) for x in q[k:j]])))
        k = j


def _pend(q, item):
    """An item for _pack_locked: sent with the next batch.  Without the
    lock (an append is atomic, and _pack_locked takes only the items it
    counted): the flusher clears _due before it takes them, so an item
    it missed sees _due clear and wakes it again."""
    q.append(item)
    if len(q) >= 400 or _wake is None:
        flush()
    elif not _due:
        _kick()


def _kick():
    """Wake the flusher: something waits (_pend, without the lock)."""
    global _due
    _due = True
    _wake.set()


def _due_locked():
    """Under _lock, with something waiting: whether the flusher is to be
    woken (it is not due yet; set it due)."""
    global _due
    if _due or _wake is None:
        return False
    _due = True
    return True


def flush():
    with _lock:
        _flush_locked()


_wake = None          # a pool process's flusher, once it has one
_due = False          # and it is due to send what waits
_held = None          # a call's start, sent if it runs past the flusher


def _emit(line, now=False, ends=False):
    """Queue one event (a JSON object without its closing brace); send
    the batch when it is full or when now is set.  In a pool's process the
    flusher sends what waits within 20 ms (a long task's start shows while
    it runs); elsewhere a batch goes when its last send is 2 ms old.  A
    call's held start goes first, unless this line ends that call."""
    global _held
    with _lock:
        if _held is not None:
            if not ends:
                _buf.append(_start_line(_held))
            _held = None
        if now and not _buf and not _subq and not _recq:
            # a line alone (a worker's message done): no batch to make
            _write((line + "}\n").encode("utf-8", "surrogatepass"))
            if _board is not None:
                _board[_boff] = 0
            return
        if _board is not None and not _buf:
            _board[_boff] = 1
        _buf.append(line)
        if now or len(_buf) >= _LINES or (_wake is None and
                                     _now() - _last > 2000000):
            _flush_locked()
            return
        wake = _due_locked()
    if wake:
        _wake.set()


def _hold(job, i, t0):
    """A call's start: the flusher sends it if the call still runs then;
    a call that ends sooner says when it started with its end ("s0")."""
    global _held
    if _wake is None:
        _emit(_start_line((job, i, t0)))
        return
    with _lock:
        if _board is not None:
            _board[_boff] = 1
        _held = (job, i, t0)
        wake = _due_locked()
    if wake:
        _wake.set()


def _start_line(held):
    return '{"e":"start","p":%d,"j":%d,"i":%d,"k":0,"t":%d' % (
        _pid, held[0], held[1], held[2])


def _flusher():
    global _held, _due
    while True:
        _wake.wait()
        # Not sooner: each wake takes the GIL from the program's threads.
        time.sleep(_PERIOD)
        with _lock:
            _wake.clear()
            _due = False
            if _held is not None:
                _buf.append(_start_line(_held))
                _held = None
            _flush_locked()


def _start_flusher():
    """What a process batched goes at most 20 ms late.  In a pool's worker
    (which makes no processes of its own), and in the program once its
    first pool has forked its workers."""
    global _wake
    _wake = threading.Event()
    threading.Thread(target=_flusher, name="poolscope-flush",
                     daemon=True).start()


def _head(kind, t=None):
    return '{"e":"%s","p":%d,"t":%d' % (kind, _pid or os.getpid(),
                                          _now() if t is None else t)


try:
    # s as a JSON string, in ASCII (json's own, in C)
    from json.encoder import encode_basestring_ascii as _str
except ImportError:     # pragma: no cover
    import json as _json
    _str = _json.dumps


_PLAIN = frozenset((int, float, str, bool, type(None), bytes, complex))
_BY_NAME = frozenset((type(_write), type(len)))   # functions, builtins


def _repr(obj):
    """repr(obj), cut, and never raising; a repr that prints goes to the
    program's output as it would.  "<...Queue object at 0x7f...>" is
    "<Queue>": an address says nothing to a class."""
    if type(obj) in _PLAIN:     # its repr runs no code of the program's
        s = repr(obj)
        return s if len(s) <= _REPR else s[:_REPR - 3] + "..."
    if type(obj) is list and len(obj) > 40:     # a chunk's results
        s = _repr(obj[:40])
        return s if len(s) >= _REPR else s[:-1] + ", ...]"
    if getattr(_local, "busy", False):
        return "..."
    _local.busy = True
    try:
        s = repr(obj)
    except Exception as e:
        s = "<%s: repr raised %s>" % (type(obj).__name__, type(e).__name__)
    finally:
        _local.busy = False
    if s.startswith("<") and " object at 0x" in s:
        s = "<%s>" % type(obj).__name__
    if len(s) > _REPR:
        s = s[:_REPR - 3] + "..."
    return s


def _callee(func):
    """The function a call runs, as people name it, and what a
    functools.partial adds before and after each call's own arguments:
    partial(power, 3) given 2 calls power(3, 2)."""
    pre, kw = (), {}
    partial = getattr(sys.modules.get("functools"), "partial", None)
    for _ in range(8):      # a partial of a partial, and so on
        if partial is None or not issubclass(type(func), partial):
            break
        try:
            inner = func.func
            if not callable(inner):
                break
            pre = tuple(func.args or ()) + pre
            kw = dict(func.keywords or {}, **kw)
        except Exception:
            break
        func = inner
    name = getattr(func, "__qualname__", None) or getattr(
        func, "__name__", None) or _repr(func)
    return name, [_repr(a) for a in pre], ["%s=%s" % (k, _repr(v))
                                          for k, v in kw.items()]


def _call(func, args, star=False):
    """square(7): what the task calls, for people."""
    name, pre, post = _callee(func)
    return "%s(%s)" % (name, _args_text(args, star, pre, post))


def _warn(what):
    if what in _warned:
        return
    _warned.add(what)
    _emit(_head("warn") + ',"x":' + _str(what), now=True)


def _wrap(obj, name, make):
    """Replace obj.name by make(original), unless it is missing."""
    orig = getattr(obj, name, None)
    if orig is None:
        _warn("%s.%s is missing: not traced" % (getattr(
            obj, "__name__", "?"), name))
        return False
    setattr(obj, name, make(orig))
    _orig[obj, name] = orig
    return True


_orig = {}            # (class, name): what _wrap replaced


def _own(q, name):
    """q's method as multiprocessing has it, not the tracer's wrapper of
    it: a pool's own queues carry no Process's tasks, and every task goes
    through them."""
    for cls in type(q).__mro__:
        f = _orig.get((cls, name))
        if f is not None:
            return f.__get__(q, type(q))
    return getattr(q, name, None)


def _own_put(q):
    """A pool worker's result queue: its put is multiprocessing's own."""
    try:
        q.put = _own(q, "put")
    except (AttributeError, TypeError):
        pass


# ------------------------------------------------------------ processes
_n_process = 0


def _process_patch(process):
    global _n_process
    BP = process.BaseProcess

    def start(orig):
        def start(self):
            t = _now()
            tgt = getattr(self, "_target", None)
            mod = getattr(tgt, "__module__", "") or ""
            pool = None
            label = None
            if tgt is not None and self._args and _is_worker(tgt):
                pool = id(self._args[0])
            elif mod.startswith("multiprocessing") or \
                    mod.startswith("concurrent"):
                pass        # the machinery's own: a manager, a feeder
            elif _queues_in(self):
                # It reads a queue: a worker, and the items put on the
                # queue are its tasks.
                self._poolscope_qworker = True
            elif tgt is not None:
                label = _call(tgt, tuple(self._args), star=True)
            elif type(self).run is not BP.run:
                label = "%s.run()" % type(self).__name__
            if label is not None:
                self._poolscope_task = label
            r = orig(self)
            if getattr(self, "_poolscope_qworker", False):
                _emit(_head("spawn", t) + ',"c":%d,"n":%s,"qw":1' % (
                    self.pid, _str(self.name)), now=True)
            if pool is not None:
                _emit(_head("spawn", t) + ',"c":%d,"pool":%d,"n":%s' % (
                    self.pid, pool, _str(self.name)))
            elif label is not None:
                _emit(_head("spawn", t) + ',"c":%d,"n":%s,"call":%s' % (
                    self.pid, _str(self.name), _str(label)), now=True)
            return r
        return start

    def bootstrap(orig):
        def _bootstrap(self, *a, **k):
            _reset_after_fork()
            global _qworker
            mine = getattr(self, "_poolscope_task", None) is not None
            tgt = getattr(self, "_target", None)
            worker = tgt is not None and _is_worker(tgt)
            _qworker = getattr(self, "_poolscope_qworker", False)
            if not (mine or worker or _qworker):
                return orig(self, *a, **k)
            _emit(_head("begin"), now=True)
            _capture_output()
            if worker:
                _board_open()
                _start_flusher()
            if worker and self._args and _is_executor_worker(tgt):
                _executor_queue(self._args[0])
            elif worker and self._args:
                _worker_queue(self._args[0])
            if worker and len(self._args) > 1:
                _own_put(self._args[1])
            if mine:
                _emit(_head("start") + ',"j":-1,"i":0,"k":0', now=True)
            code = 1
            try:
                code = orig(self, *a, **k)
            finally:
                if mine:
                    _emit(_head("done") + ',"j":-1,"i":0,"k":0,"ok":%d,'
                          '"v":"%d"' % (code == 0, code))
                _queue_item_done()
                _emit(_head("end") + ',"code":%d' % code, now=True)
            return code
        return _bootstrap

    def join(orig):
        def join(self, *a, **k):
            r = orig(self, *a, **k)
            if getattr(self, "_poolscope_task", None) is not None and \
                    self.exitcode is not None and \
                    not getattr(self, "_poolscope_joined", False):
                self._poolscope_joined = True
                _emit(_head("joined") + ',"c":%d,"code":%d' % (
                    self.pid, self.exitcode), now=True)
            return r
        return join

    _wrap(BP, "start", start)
    _wrap(BP, "_bootstrap", bootstrap)
    _wrap(BP, "join", join)


def _popen_patch(mod):
    """How each process ended, as its parent learns it."""
    cls = getattr(mod, "Popen", None)
    if cls is None or "poll" not in cls.__dict__:
        return

    def poll(orig):
        def poll(self, *a, **k):
            before = self.returncode
            rc = orig(self, *a, **k)
            if before is None and rc is not None:
                _emit(_head("exit") + ',"c":%d,"code":%d' % (self.pid, rc),
                      now=True)
            return rc
        return poll
    _wrap(cls, "poll", poll)


class _Out(object):
    """A pool process's sys.stdout or sys.stderr: what it prints goes to
    poolscope, which shows it as that process's (and task's) output."""

    def __init__(self, orig, fd):
        self._orig = orig
        self._which = fd
        self._line = ""
        self.encoding = getattr(orig, "encoding", "utf-8")
        self.errors = getattr(orig, "errors", "strict")

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s"
                            % type(s).__name__)
        # Line by line, as a terminal's stdout: print()'s text and its
        # newline are one line.
        global _outs
        self._line += s
        cut = self._line.rfind("\n") + 1
        if cut > 0:
            self._send(self._line[:cut])
            self._line = self._line[cut:]
        if self._line:
            _outs = True
        return len(s)

    def _send(self, text):
        _emit(_head("out") + ',"f":%d,"x":%s' % (self._which, _str(text)),
              now=self._which == 2 or _wake is None)

    def writelines(self, lines):
        for s in lines:
            self.write(s)

    def flush(self):
        if self._line:
            self._send(self._line)
            self._line = ""
        flush()

    def __getattr__(self, name):
        return getattr(self._orig, name)


_outs = False           # a task printed something without its newline


def _end_output():
    """What a task printed without a newline is its own, not the next's."""
    global _outs
    _outs = False
    for f in (sys.stdout, sys.stderr):
        if isinstance(f, _Out) and f._line:
            f._send(f._line)
            f._line = ""


def _capture_output():
    for name, fd in (("stdout", 1), ("stderr", 2)):
        cur = getattr(sys, name, None)
        if cur is not None and not isinstance(cur, _Out):
            setattr(sys, name, _Out(cur, fd))


# ------------------------------------------------------------ queues
_qworker = False        # this process reads a queue for its tasks
_qitem = False          # and holds one
_qseq = 0


def _queues_in(proc):
    """The queues among a Process's arguments, marked as carrying tasks
    (what the program puts on them, a Process takes as its next task)."""
    queues = sys.modules.get("multiprocessing.queues")
    if queues is None:
        return False
    kinds = tuple(c for c in (getattr(queues, "Queue", None),
                              getattr(queues, "SimpleQueue", None)) if c)
    found = False
    args = list(getattr(proc, "_args", ()) or ()) + \
        list((getattr(proc, "_kwargs", {}) or {}).values())
    for a in args:
        if isinstance(a, kinds):
            try:
                a._poolscope_tasks = True
            except AttributeError:
                pass
            found = True
    return found


def _queue_item_done():
    global _qitem
    if _qitem:
        _qitem = False
        _end_output()
        _emit(_head("done") + ',"j":-3,"i":-1,"k":0,"ok":1,"v":"None"')


def _queue_patch(queues):
    def put(orig):
        def put(self, obj, *a, **k):
            global _qseq
            if getattr(self, "_poolscope_tasks", False) and obj is not None:
                _qseq += 1
                _emit(_head("sub") + ',"j":-3,"i":%d,"k":%d,"s":"queue",'
                      '"c":%s' % (_qseq, _pid or os.getpid(),
                                  _str(_repr(obj))), now=True)
            return orig(self, obj, *a, **k)
        return put

    def get(orig):
        def get(self, *a, **k):
            global _qitem
            _queue_item_done()      # it asks for the next: this one is done
            obj = orig(self, *a, **k)
            if _qworker:
                if obj is None:
                    _emit(_head("sent"), now=True)
                else:
                    _qitem = True
                    _emit(_head("qstart") + ',"v":%s' % _str(_repr(obj)),
                          now=True)
            return obj
        return get

    for name in ("Queue", "SimpleQueue"):
        cls = getattr(queues, name, None)
        if cls is not None:
            _wrap(cls, "put", put)
            _wrap(cls, "get", get)


# ------------------------------------------------------------ a pool worker
def _is_executor_worker(tgt):
    return getattr(tgt, "__module__", "") == "concurrent.futures.process" \
        and getattr(tgt, "__name__", "") == "_process_worker"


def _is_worker(tgt):
    """A pool's worker loop: Pool's worker() or an executor's."""
    return (getattr(tgt, "__module__", "") == "multiprocessing.pool" and
            getattr(tgt, "__name__", "") == "worker") or \
        _is_executor_worker(tgt)


def _executor_queue(q):
    """In a ProcessPoolExecutor's worker: each call item (work id) as it is
    taken, its function timed (each item of a map's chunk).  Its job is
    told as -5: poolscope knows which executor a worker is of."""
    cf = sys.modules.get("concurrent.futures.process")
    get = _own(q, "get")
    if cf is None or get is None:
        _warn("the executor's call queue cannot be traced")
        return
    chunker = getattr(cf, "_process_chunk", None)

    def traced_get(*a, **k):
        item = get(*a, **k)
        if item is None:
            _emit(_head("sent"), now=True)
            return item
        fn = getattr(item, "fn", None)
        wid = getattr(item, "work_id", None)
        if fn is None or wid is None:
            return item
        args = getattr(item, "args", ())
        if getattr(fn, "func", None) is chunker and chunker is not None \
                and fn.args and args and not _big(args[0]):
            import functools
            # each call of the chunk, starred as _process_chunk calls it
            real = _timed(fn.args[0], -5, wid, len(args[0]))
            item.fn = functools.partial(chunker, real)
        else:
            item.fn = _timed(fn, -5, wid)
        return item
    try:
        q.get = traced_get
    except (AttributeError, TypeError):
        _warn("the executor's call queue cannot be traced")


def _worker_queue(q):
    """In a pool worker: see each task as it is taken from the queue, and
    time each call of the task's function (every item of a chunk)."""
    pool = sys.modules.get("multiprocessing.pool")
    get = _own(q, "get")
    if pool is None or get is None:
        _warn("the pool's task queue has no get(): tasks not traced")
        return
    stars = {getattr(pool, "mapstar", None): False,
             getattr(pool, "starmapstar", None): True}
    stars.pop(None, None)

    def traced_get(*a, **k):
        task = get(*a, **k)
        if task is None:
            _emit(_head("sent"), now=True)
            return task
        try:
            job, i, func, args, kwds = task
        except (TypeError, ValueError):
            return task
        if func in stars and len(args) == 1 and len(args[0]) == 2 and \
                not _big(args[0][1]):
            f, chunk = args[0]
            return (job, i, func, ((_timed(f, job, i, len(chunk)), chunk),),
                    kwds)
        return (job, i, _timed(func, job, i), args, kwds)
    try:
        q.get = traced_get
    except (AttributeError, TypeError):
        _warn("the pool's task queue cannot be traced")


_msg = [0, 0, 1, 0]   # in a worker, the message it runs: job, i, its calls
                      # (n), the calls begun (k); a worker runs one at a time
_known = [None, None]  # a function pickled by reference, and its timed


def _timed(func, job, i, n=1):
    """func timed call by call, for message (job, i) of n calls.  The first
    call of a message holds its start (sent if it runs for long); a call
    that ends says when it began ("s0"), one line a call.  After the
    message's last call what the worker holds is sent before its result
    is: a worker that dies in a later task must not take the ends of those
    before with it.  Wrapping a chunk's mapstar, its one call is the whole
    chunk, and its result the chunk's list.  A function that comes by
    reference is the same object message after message: its wrapper is
    made once (the program's own objects are not kept)."""
    m = _msg
    m[0] = job
    m[1] = i
    m[2] = n
    m[3] = 0
    if func is _known[0]:
        return _known[1]
    timed = _timer(func)
    if type(func) in _BY_NAME:
        _known[0] = func
        _known[1] = timed
    return timed


_DONE = '{"e":"done","p":%d,"j":%d,"i":%d,"k":%d,"ok":%d,"s0":%d,"t":%d,"v":%s'


def _timer(func):
    def timed(*a, **kw):
        m = _msg
        job, i, n, k = m
        m[3] = k + 1
        t0 = _now()
        if _held_at is not None:
            _held_at(_board, _boff + 1, 1, k, job, i, t0)
        if k == 0:
            _hold(job, i, t0)
        try:
            v = func(*a, **kw)
        except BaseException as e:
            _end_output()
            # The rest of a chunk never runs: this is its last call.
            _emit(_DONE % (_pid, job, i, k, 0, t0, _now(), _str(_repr(e))),
                  now=True, ends=True)
            if _board is not None:
                _board[_boff + 1] = 0
            raise
        if _outs:
            _end_output()
        _emit(_DONE % (_pid, job, i, k, 1, t0, _now(), _str(_repr(v))),
              ends=True, now=k + 1 >= n)
        if _board is not None:
            _board[_boff + 1] = 0
        return v
    return timed


def _big(chunk):
    """A chunk traced as one task: timing each of its calls would cost
    the program more than the calls (both sides ask the same question)."""
    try:
        return len(chunk) > _CHUNK
    except TypeError:
        return False


def _chunk_call(name, first, last, n, star=False, pre=(), post=()):
    """square(0) ... square(4095), 4096 calls: a chunk traced whole, by
    its first and last items and how many it has."""
    return "%s(%s) ... %s(%s), %d calls" % (
        name, _args_text(first, star, pre, post), name,
        _args_text(last, star, pre, post), n)


# ------------------------------------------------------------ the caller
def _pool_patch(pool):
    P = pool.Pool
    AR = pool.ApplyResult
    IMI = pool.IMapIterator

    def init(orig):
        def __init__(self, *a, **k):
            orig(self, *a, **k)
            try:
                method = self._ctx.get_start_method()
            except Exception:
                method = "?"
            mt = getattr(self, "_maxtasksperchild", None)
            _emit(_head("pool") + ',"pool":%d,"w":%d,"m":%s,"mt":%d' % (
                id(self._inqueue), self._processes, _str(method),
                mt or 0), now=True)
            # Its workers are forked: a thread here is no more hazard at
            # a later fork than the pool's own three.
            if _wake is None:
                _start_flusher()
        return __init__

    def styled(style, orig):
        def call(self, *a, **k):
            prev = getattr(_local, "style", None)
            if prev is None:
                _local.style = style
            try:
                return orig(self, *a, **k)
            finally:
                _local.style = prev
        return call

    def map_async(orig):
        def _map_async(self, func, iterable, mapper, chunksize=None, *a,
                       **k):
            if not hasattr(iterable, "__len__"):
                iterable = list(iterable)
            cs = chunksize
            if cs is None:
                cs, extra = divmod(len(iterable), len(self._pool) * 4)
                if extra:
                    cs += 1
            star = mapper is getattr(pool, "starmapstar", None)
            _local.pending = ("map", self, func, iterable, cs, star)
            try:
                return orig(self, func, iterable, mapper, chunksize, *a, **k)
            finally:
                _local.pending = None
        return _map_async

    def apply_async(orig):
        def apply_async(self, func, args=(), kwds={}, *a, **k):
            _local.pending = ("apply", self, func, args)
            try:
                return orig(self, func, args, kwds, *a, **k)
            finally:
                _local.pending = None
        return apply_async

    def imap(unordered):
        def make(orig):
            def imap(self, func, iterable, chunksize=1):
                cell = [None, _now()]
                _local.pending = ("imap", cell)
                pool_id = id(self._inqueue)
                style = getattr(_local, "style", None) or (
                    "imap_unordered" if unordered else "imap")
                try:
                    res = orig(self, func, _items(iterable, func, chunksize,
                                                  cell, pool_id, style),
                               chunksize)
                finally:
                    _local.pending = None
                return res
            return imap
        return make

    def result_init(orig):
        def __init__(self, *a, **k):
            orig(self, *a, **k)
            p = getattr(_local, "pending", None)
            if p is None:
                return
            _local.pending = None
            if p[0] == "map":
                _submit_map(self._job, p)
            elif p[0] == "apply":
                _submit(self._job, 0, 0, id(p[1]._inqueue),
                        getattr(_local, "style", None) or "apply_async",
                        _call(p[2], p[3], star=True), _now())
        return __init__

    def imap_init(orig):
        def __init__(self, *a, **k):
            orig(self, *a, **k)
            p = getattr(_local, "pending", None)
            if p is not None and p[0] == "imap":
                p[1][0] = self._job
                # the order results came in, how many the caller has had
                self._poolscope = [[], 0]
        return __init__

    def result_set(orig):
        def _set(self, i, obj):
            # A callback (or an error callback) runs in here, and the
            # caller has the result when it is called.
            ok = bool(obj[0]) if isinstance(obj, tuple) and obj else True
            if not ok and getattr(self, "_poolscope_failed", None) is None:
                self._poolscope_failed = i      # the exception raised
            if isinstance(self, pool.MapResult):
                last = getattr(self, "_number_left", 1) == 1
                ok = ok and getattr(self, "_success", True)
            else:
                last = True
            if last and (self._callback if ok else self._error_callback):
                _received(self, ok)
            return orig(self, i, obj)
        return _set

    def result_get(orig):
        def get(self, *a, **k):
            try:
                v = orig(self, *a, **k)
            except BaseException:
                if self.ready():
                    _received(self, False)
                raise
            _received(self, True)
            return v
        return get

    def imap_set(orig):
        def _set(self, i, obj):
            mine = getattr(self, "_poolscope", None)
            if mine is not None:
                mine[0].append(i)
            return orig(self, i, obj)
        return _set

    def imap_next(orig, unordered):
        def next(self, *a, **k):
            try:
                v = orig(self, *a, **k)
            except StopIteration:
                raise
            except BaseException:
                _imap_received(self, unordered, False)
                raise
            _imap_received(self, unordered, True)
            return v
        return next

    def terminate_pool(orig):
        def _terminate_pool(cls, *a, **k):
            # Its workers' last lines go before it kills them.
            procs = a[3] if len(a) > 3 else k.get("pool")
            if isinstance(procs, list):
                _settle(procs)
            return orig(cls, *a, **k)
        return classmethod(_terminate_pool)

    tp = P.__dict__.get("_terminate_pool")
    if isinstance(tp, classmethod):
        P._terminate_pool = terminate_pool(tp.__func__)
    else:
        _warn("Pool._terminate_pool is missing: lines a worker has not "
              "sent when its pool is terminated may be lost")
    _wrap(P, "__init__", init)
    for name, style in (("map", "map"), ("starmap", "starmap"),
                        ("map_async", "map_async"),
                        ("starmap_async", "starmap_async"),
                        ("apply", "apply")):
        _wrap(P, name, lambda orig, s=style: styled(s, orig))
    _wrap(P, "_map_async", map_async)
    _wrap(P, "apply_async", apply_async)
    _wrap(P, "imap", imap(False))
    _wrap(P, "imap_unordered", imap(True))
    _wrap(AR, "__init__", result_init)
    _wrap(AR, "_set", result_set)
    _wrap(AR, "get", result_get)
    _wrap(IMI, "__init__", imap_init)
    imi_next = IMI.next
    for cls, unordered in ((IMI, False),
                           (getattr(pool, "IMapUnorderedIterator", None),
                            True)):
        if cls is None:
            continue
        _wrap(cls, "_set", imap_set) if "_set" in cls.__dict__ else None
        nxt = cls.__dict__.get("next") or imi_next
        cls.next = imap_next(nxt, unordered)
        cls.__next__ = cls.next


def _submit(job, i, k, pool_id, style, call, t):
    _emit(_head("sub", t) + ',"j":%d,"i":%d,"k":%d,"pool":%d,"s":%s,'
          '"c":%s' % (job, i, k, pool_id, _str(style), _str(call)))


def _args_text(x, star, pre=(), post=()):
    """The arguments of one call, as they read inside its parentheses
    (with what a partial adds, pre and post, from _callee)."""
    if not star and not pre and not post:
        return _repr(x)
    if not star:
        x = (x,)
    elif not isinstance(x, (tuple, list)):
        x = (x,)
    s = ", ".join(list(pre) + [_repr(a) for a in x] + list(post))
    return s if len(s) <= _REPR else s[:_REPR - 3] + "..."


def _submit_map(job, p):
    """A map's tasks, many a line: the function's name once, then each
    call's arguments (a line stays under PIPE_BUF, as every line does)."""
    _, pl, func, items, cs, star = p
    t = _now()
    style = getattr(_local, "style", None) or "map_async"
    name, pre, post = _callee(func)
    cs = cs or 1
    pid = _pid or os.getpid()
    for c in range(0, len(items), cs):
        chunk = items[c:c + cs]
        if _big(chunk):
            _emit('{"e":"sub","p":%d,"t":%d,"j":%d,"i":%d,"k":0,"pool":%d,'
                  '"s":%s,"c":%s' % (pid, t, job, c // cs, id(pl._inqueue),
                                     _str(style), _str(_chunk_call(
                                         name, chunk[0], chunk[-1],
                                         len(chunk), star, pre, post))))
            continue
        k0 = 0
        while k0 < len(chunk):
            head = ('{"e":"subs","p":%d,"t":%d,"j":%d,"i":%d,"k":%d,'
                    '"pool":%d,"s":%s,"f":%s,"a":[' % (
                        pid, t, job, c // cs, k0, id(pl._inqueue),
                        _str(style), _str(name)))
            parts, size = [], len(head) + 4
            for x in chunk[k0:]:
                a = _str(_args_text(x, star, pre, post))
                if parts and size + len(a) + 1 > _MAX - 100:
                    break
                parts.append(a)
                size += len(a) + 1
            _emit(head + ",".join(parts) + "]")
            k0 += len(parts)
    flush()


def _items(iterable, func, cs, cell, pool_id, style):
    """iterable as imap's task handler draws it: each item is submitted
    as it is taken (imap reads its input lazily).  Chunks of more than
    _CHUNK calls are one task each, told before their last item goes (the
    handler sends a chunk once it has it whole); a short last one is
    told when the input ends, before the handler sends it."""
    n = 0
    name, pre, post = _callee(func)
    if cs <= _CHUNK:
        text = _repr if not pre and not post else (
            lambda x: _args_text(x, False, pre, post))
        # many a "subs" line (_pack_locked): its constant part made once
        feed = None
        add = _subq.append
        for x in iterable:
            if feed is None and cell[0] is not None:
                feed = ['{"e":"subs","p":%d,"j":%d,"i":0,"k":0,"pool":%d,'
                        '"s":%s,"f":%s,"cs":%d' % (
                            _pid or os.getpid(), cell[0], pool_id,
                            _str(style), _str(name), cs), n]
            if feed is not None:
                # _pend's work, inline: this runs for every item
                add((feed, _now(), _str(text(x))))
                if len(_subq) >= 400 or _wake is None:
                    flush()
                elif not _due:
                    _kick()
            n += 1
            yield x
        flush()
        return
    held = []
    for x in iterable:
        k = n % cs
        if k == 0:
            held = []
        if k <= _CHUNK:
            held.append(x)
        if k == cs - 1 and cell[0] is not None:
            _submit(cell[0], n // cs, 0, pool_id, style,
                    _chunk_call(name, held[0], x, cs, False, pre, post),
                    _now())
        n += 1
        yield x
    k = n % cs
    if k and cell[0] is not None:
        if k > _CHUNK:
            _submit(cell[0], n // cs, 0, pool_id, style,
                    _chunk_call(name, held[0], x, k, False, pre, post),
                    _now())
        else:
            for j, y in enumerate(held):
                _submit(cell[0], n // cs, j, pool_id, style, _call(func, y),
                        _now())
    flush()


def _received(result, ok):
    if getattr(result, "_poolscope_received", False):
        return
    result._poolscope_received = True
    i = -1 if ok else getattr(result, "_poolscope_failed", -1)
    _emit(_head("recv") + ',"j":%d,"i":%d,"k":-1,"ok":%d' % (
        result._job, i, ok))


def _imap_received(it, unordered, ok):
    mine = getattr(it, "_poolscope", None)
    if mine is None:
        return
    n = mine[1]
    mine[1] = n + 1
    if unordered:
        order = mine[0]
        i = order[n] if n < len(order) else -1
    else:
        i = n
    _pend(_recq, (it._job, ok, i, _now()))


# ------------------------------------------------------------ executors
def _futures_patch(cf):
    PPE = cf.ProcessPoolExecutor
    chunker = getattr(cf, "_process_chunk", None)

    def init(orig):
        def __init__(self, *a, **k):
            orig(self, *a, **k)
            try:
                method = self._mp_context.get_start_method()
            except Exception:
                method = "?"
            _emit(_head("pool") + ',"pool":%d,"w":%d,"m":%s,"mt":0' % (
                id(self._call_queue), self._max_workers, _str(method)),
                now=True)
            if _wake is None:       # it has a thread of its own already
                _start_flusher()
        return __init__

    def submit(orig):
        def submit(self, fn, *args, **kwargs):
            t = _now()
            f = orig(self, fn, *args, **kwargs)
            try:
                wid = self._queue_count - 1
                key = id(self._call_queue)
            except AttributeError:
                return f
            f._poolscope = (key, wid)
            pid = _pid or os.getpid()
            if getattr(fn, "func", None) is chunker and chunker is not None\
                    and fn.args and args:
                # a chunk of map(): a task per call in it
                name, pre, post = _callee(fn.args[0])
                if _big(args[0]):
                    _emit('{"e":"sub","p":%d,"t":%d,"j":%d,"i":%d,"k":0,'
                          '"pool":%d,"s":"map","c":%s' % (
                              pid, t, key, wid, key, _str(_chunk_call(
                                  name, args[0][0], args[0][-1],
                                  len(args[0]), True, pre, post))), now=True)
                    return f
                for k, item in enumerate(args[0]):
                    _emit('{"e":"sub","p":%d,"t":%d,"j":%d,"i":%d,"k":%d,'
                          '"pool":%d,"s":"map","c":%s' % (
                              pid, t, key, wid, k, key,
                              _str("%s(%s)" % (name, _args_text(
                                  item, True, pre, post)))))
                flush()
            else:
                _emit('{"e":"sub","p":%d,"t":%d,"j":%d,"i":%d,"k":0,'
                      '"pool":%d,"s":"submit","c":%s' % (
                          pid, t, key, wid, key,
                          _str(_call(fn, args, star=True))), now=True)
            return f
        return submit

    _wrap(PPE, "__init__", init)
    _wrap(PPE, "submit", submit)


def _future_patch(base):
    def result(orig):
        def result(self, *a, **k):
            mine = getattr(self, "_poolscope", None)
            try:
                v = orig(self, *a, **k)
            except BaseException:
                if mine is not None and self.done():
                    _future_received(self, mine, False)
                raise
            if mine is not None:
                _future_received(self, mine, True)
            return v
        return result

    def set_exception(orig):
        def set_exception(self, exception):
            mine = getattr(self, "_poolscope", None)
            if mine is not None and \
                    type(exception).__name__ == "BrokenProcessPool":
                # No worker will end it: the executor broke.
                _emit(_head("broken") + ',"j":%d,"i":%d,"v":%s' % (
                    mine[0], mine[1], _str(_repr(exception))))
            return orig(self, exception)
        return set_exception

    def add_done_callback(orig):
        def add_done_callback(self, fn):
            mine = getattr(self, "_poolscope", None)
            if mine is None:
                return orig(self, fn)

            def called(f):
                # The caller has the future, done, in its hands.
                _future_received(f, mine, f.exception() is None
                                 if not f.cancelled() else False)
                return fn(f)
            return orig(self, called)
        return add_done_callback
    _wrap(base.Future, "result", result)
    _wrap(base.Future, "set_exception", set_exception)
    _wrap(base.Future, "add_done_callback", add_done_callback)


def _future_received(f, mine, ok):
    if getattr(f, "_poolscope_received", False):
        return
    f._poolscope_received = True
    key, wid = mine
    _emit(_head("recv") + ',"j":%d,"i":%d,"k":-1,"ok":%d' % (key, wid, ok))


# ------------------------------------------------------------ installing
_HOOKS = {
    "multiprocessing.process": _process_patch,
    "multiprocessing.pool": _pool_patch,
    "multiprocessing.queues": _queue_patch,
    "concurrent.futures.process": _futures_patch,
    "concurrent.futures._base": _future_patch,
    "multiprocessing.popen_fork": _popen_patch,
    "multiprocessing.popen_spawn_posix": _popen_patch,
    "multiprocessing.popen_forkserver": _popen_patch,
}


def _patch(name, mod):
    if name in _patched:
        return
    if not _patched:        # poolscope learns the tracer is in
        _emit(_head("hello"), now=True)
    _patched.add(name)
    try:
        _HOOKS[name](mod)
    except Exception as e:
        _warn("%s not traced: %r" % (name, e))


class _Finder(object):
    """Patches a hooked module as soon as it is imported."""

    def find_spec(self, name, path=None, target=None):
        if name not in _HOOKS or name in _patched:
            return None
        import importlib.machinery
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return None
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _patch(name, module)
        try:
            loader.exec_module = exec_and_patch
        except AttributeError:
            return None
        return spec


def install():
    global _pid
    _pid = os.getpid()
    # The program's own output line by line, as at a terminal, so that
    # poolscope shows each line when it is printed.
    for f in (sys.stdout, sys.stderr):
        try:
            f.reconfigure(line_buffering=True)
        except (AttributeError, ValueError, OSError):
            pass
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_reset_after_fork)
    import atexit
    atexit.register(flush)
    for name in _HOOKS:
        if name in sys.modules:
            _patch(name, sys.modules[name])
    sys.meta_path.insert(0, _Finder())
