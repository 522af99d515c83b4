"""A suite's fuzz run spread over processes forked from this one (`[fuzz] processes = N`, `--apitest-processes N`).

The operations are cut into pieces of whole resources, about two per process (groups.py). Everything a run needs
before its first case (the imports, the parsed spec and schemathesis's schema, its analysis of which responses feed
which parameters, Hypothesis's unicode tables) is made once, here, and then N children are made with `os.fork()`,
which inherit all of it for nothing: no interpreter starts, nothing is imported or parsed again. Child i starts with
piece i; whichever is done first takes the next piece from a pipe, so a child that drew cheap operations does not
sit idle while another works through costly ones (what an operation costs cannot be told from the spec). Each
piece is one engine run. The children share what they capture through the suite's `SharedPool` (_pool.py) while
they run. A child pickles a piece's results into that piece's temporary file, made before the fork and never named,
and tells which piece it took, and when its results are whole, through a pipe: nothing of the hand-back is in the
records folder, which a broken setup may take away mid-run, and nothing is left behind. This process runs the
stateful phase and the follow-ups once every child is done, with the values, Location headers and accepted requests
they all shared, as one process would.

Forking happens before any engine thread starts in this process. A child never returns into pytest: whatever
happens it ends with `os._exit`, and on Linux it dies with this process (PR_SET_PDEATHSIG), so a SIGKILL leaves no
fuzzing child behind; `close` (Ctrl-C, SIGTERM, the session's end) kills the children still running.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import struct
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from ._engine import EngineError, FuzzRun, SuiteRun
from ._pool import SharedPool

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

POLL_S = 0.02


@dataclass
class _Child:
    pid: int
    index: int
    status: int | None = None  # its exit status once reaped


@dataclass
class _Piece:
    name: str
    labels: tuple[str, ...]
    out: IO[bytes]  # its results, pickled by the child that took it
    taker: int | None = None  # that child's index, once it has said so
    written: bool = False  # its results are whole in `out`
    results: dict[str, tuple[str, Any]] | None = None  # key -> ("ok", FuzzRun) | ("error", message)


_INDEX = struct.Struct("<H")
MAX_PIECES = 1 << 14  # their indices fit in a pipe's buffer, so they are all written before any child starts
# What a child tells this process, each in one write (atomic on a pipe): (TAKEN or WRITTEN, piece, child).
_EVENT = struct.Struct("<BHH")
TAKEN, WRITTEN = 0, 1


class ForkedRun:
    """The stateless phases of a suite's operations, in `processes` forked children that share out `pieces` (each
    one engine run) as they go: child i starts with piece i, then each takes the next from a pipe when it is done
    with one. `result(label)` waits for its piece. `make_run(labels, pool, name)` builds a piece's SuiteRun (in the
    child)."""

    def __init__(
        self,
        pieces: Sequence[Sequence[str]],
        *,
        processes: int,
        folder: Path,
        make_run: Callable[[Sequence[str], SharedPool, str], SuiteRun],
        piece_name: Callable[[int], str],
    ) -> None:
        if len(pieces) > MAX_PIECES:
            raise ValueError(f"at most {MAX_PIECES} pieces")
        self._pieces = [
            _Piece(piece_name(i), tuple(labels), tempfile.TemporaryFile(prefix="apitest-piece-"))  # noqa: SIM115
            for i, labels in enumerate(pieces)
        ]
        self._of = {label: piece for piece in self._pieces for label in piece.labels}
        self._handed: set[str] = set()
        self._children: list[_Child] = []
        count = max(min(processes, len(pieces)), 1)
        # the pieces after each child's first, one index each: a pipe's reads of 2 bytes are atomic, so every
        # index goes to one child, and end-of-file says there is no more
        queue_out, queue_in = os.pipe()
        os.write(queue_in, b"".join(_INDEX.pack(i) for i in range(count, len(pieces))))
        os.close(queue_in)
        self._events, events_in = os.pipe()
        os.set_blocking(self._events, False)
        self._unread = b""
        try:
            for index in range(count):
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child: measured by the tests through its results
                    _child_main(index, queue_out, events_in, self._pieces, folder, make_run)
                self._children.append(_Child(pid, index))
        finally:
            os.close(queue_out)
            os.close(events_in)

    def claimable(self, key: str) -> bool:
        return key in self._of and key not in self._handed

    def result(self, key: str) -> FuzzRun:
        if not self.claimable(key):
            raise KeyError(f"{key!r} is not an unclaimed part of this run")
        piece = self._of[key]
        self._handed.add(key)
        try:
            self._wait(piece)
        except BaseException:
            self.close()
            raise
        assert piece.results is not None
        outcome, value = piece.results.get(key, ("error", "the process fuzzing this operation did not report it"))
        if outcome == "error":
            raise EngineError(str(value))
        run: FuzzRun = value
        return run

    def wait_all(self) -> set[str]:
        """Wait for every piece; the pieces whose child ended without their results."""
        for piece in self._pieces:
            self._wait(piece)
        return {p.name for p in self._pieces if not p.results or "__failed__" in p.results}

    def _wait(self, piece: _Piece) -> None:
        while piece.results is None:
            self._reap()  # first: a child that has ended told all it had to tell before it did
            self._listen()
            taker = self._taker(piece)
            if taker is not None:
                ended = taker.status is not None
            else:
                ended = all(child.status is not None for child in self._children)
            if piece.written or ended:
                piece.results = self._read(piece)
                return
            time.sleep(POLL_S)

    def _listen(self) -> None:
        """Take in what the children told (which piece each took, whose results are written) since last time."""
        while self._events >= 0:
            try:
                data = os.read(self._events, 4096)
            except BlockingIOError:
                break
            if not data:  # every child has ended
                break
            self._unread += data
        whole = len(self._unread) - len(self._unread) % _EVENT.size
        for kind, index, child in _EVENT.iter_unpack(self._unread[:whole]):
            if kind == TAKEN:
                self._pieces[index].taker = child
            else:
                self._pieces[index].written = True
        self._unread = self._unread[whole:]

    def _taker(self, piece: _Piece) -> _Child | None:
        """The child that took `piece`, once one has."""
        return self._children[piece.taker] if piece.taker is not None else None

    def _reap(self) -> None:
        for child in self._children:
            if child.status is None:
                pid, status = os.waitpid(child.pid, os.WNOHANG)
                if pid:
                    child.status = os.waitstatus_to_exitcode(status)

    def _read(self, piece: _Piece) -> dict[str, tuple[str, Any]]:
        results: dict[str, tuple[str, Any]] | None = None
        if piece.written and not piece.out.closed:
            with contextlib.suppress(OSError, EOFError, pickle.UnpicklingError):
                piece.out.seek(0)
                results = pickle.load(piece.out)
        piece.out.close()
        if results is None:
            why = f"the process fuzzing this group ended ({self._how_ended(piece)}) without its results"
            return dict.fromkeys(piece.labels, ("error", why)) | {"__failed__": ("error", why)}
        if "__failed__" in results:
            why = str(results["__failed__"][1])
            for label in piece.labels:
                results.setdefault(label, ("error", why))
        return results

    def _how_ended(self, piece: _Piece) -> str:
        taker = self._taker(piece)
        return _how(taker.status) if taker is not None else "before it took this group"

    def close(self) -> None:
        """Stop the children still running (an interrupted or stopped session)."""
        for child in self._children:
            if child.status is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child.pid, signal.SIGKILL)
                with contextlib.suppress(ChildProcessError):
                    _, status = os.waitpid(child.pid, 0)
                    child.status = os.waitstatus_to_exitcode(status)
        for piece in self._pieces:
            piece.out.close()
        if self._events >= 0:
            os.close(self._events)
            self._events = -1


def _how(status: int | None) -> str:
    if status is None:
        return "still running"
    return f"killed by signal {-status}" if status < 0 else f"exit status {status}"


def _child_main(
    index: int,
    queue: int,
    events: int,
    pieces: Sequence[_Piece],
    folder: Path,
    make_run: Callable[[Sequence[str], SharedPool, str], SuiteRun],
) -> None:  # pragma: no cover - runs in the forked child
    status = 1
    try:
        _die_with_parent()
        # Ctrl-C reaches the whole process group: the parent decides, the child just stops with it
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        pool = SharedPool(folder, f"p{index}")
        try:
            taken: int | None = index
            while taken is not None:
                _run_piece(pieces, taken, index, events, pool, make_run)
                data = os.read(queue, _INDEX.size)
                taken = _INDEX.unpack(data)[0] if len(data) == _INDEX.size else None
        finally:
            pool.close()
        status = 0
    finally:
        os._exit(status)


def _run_piece(
    pieces: Sequence[_Piece],
    taken: int,
    child: int,
    events: int,
    pool: SharedPool,
    make_run: Callable[[Sequence[str], SharedPool, str], SuiteRun],
) -> None:  # pragma: no cover - runs in the forked child
    piece = pieces[taken]
    os.write(events, _EVENT.pack(TAKEN, taken, child))
    results: dict[str, tuple[str, Any]] = {}
    try:
        run = make_run(piece.labels, pool, piece.name)
        for label in piece.labels:
            try:
                results[label] = ("ok", run.result(label))
            except EngineError as exc:
                results[label] = ("error", str(exc))
        run.close()
    except Exception as exc:
        results["__failed__"] = ("error", f"{type(exc).__name__}: {exc}")
        traceback.print_exc()
    pickle.dump(results, piece.out, protocol=pickle.HIGHEST_PROTOCOL)
    piece.out.flush()
    os.write(events, _EVENT.pack(WRITTEN, taken, child))


def _die_with_parent() -> None:  # pragma: no cover - runs in the forked child
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the line above
            os._exit(1)


def prepare(schema: BaseSchema) -> None:
    """What the children should inherit rather than build: the schema's analysis, Hypothesis's tables."""
    analysis = getattr(schema, "analysis", None)
    if analysis is not None:
        with contextlib.suppress(Exception):  # an analysis that fails fails in the engine run, with its message
            _ = analysis.extra_data_source
    from ._generation_cache import GENERATION_CACHE

    with GENERATION_CACHE:
        from hypothesis.internal import charmap

        charmap.charmap()
        charmap.intervals_from_codec("utf-8")
