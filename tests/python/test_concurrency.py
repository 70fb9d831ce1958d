"""Threads and processes: one Propagator and one Context shared by threads, and
forked processes, never see an error or an id drawn twice."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator

import pytest
import tracewire

FORMATS = ("tracecontext", "baggage", "b3", "b3multi", "jaeger", "xray", "datadog")
THREADS = 4
ROUNDS = 10_000


@pytest.fixture
def busy_switching() -> Iterator[None]:
    """Threads switch as often as the interpreter allows, to interleave the calls."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("busy_switching")
def test_threads_sharing_a_propagator_and_a_context() -> None:
    propagator = tracewire.Propagator(extract=FORMATS, inject=FORMATS)
    shared = tracewire.Context.new_root().with_tracestate("k", "v").with_baggage("user", "alice")
    incoming = propagator.inject(shared, [])
    incoming_dict = dict(incoming)
    start = threading.Barrier(THREADS)
    span_ids: list[list[str]] = [[] for _ in range(THREADS)]
    errors: list[BaseException] = []

    def work(mine: list[str]) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                ctx = propagator.continue_trace(incoming)
                assert ctx.trace_id == shared.trace_id
                assert ctx.parent_span_id == shared.span_id
                assert ctx.baggage == {"user": "alice"}
                child = shared.child()
                out = propagator.inject(ctx, [])
                again = propagator.extract(out)
                assert again is not None
                assert again.span_id == ctx.span_id
                assert tracewire.extract(child.inject({})).span_id == child.span_id
                assert propagator.diagnose(incoming_dict)[0].code == "extracted"
                mine.extend((ctx.span_id, child.span_id))
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(ids,)) for ids in span_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    drawn = [span for ids in span_ids for span in ids]
    assert len(drawn) == THREADS * ROUNDS * 2
    assert len(set(drawn)) == len(drawn), "a span id was drawn twice"
    assert shared.span_id not in set(drawn)


@pytest.mark.usefixtures("busy_switching")
def test_threads_reading_headers_another_thread_changes() -> None:
    """A dict read while another thread changes it: each read sees one state of it
    (the interpreter does not switch threads inside a call), never an error."""
    headers = {"traceparent": tracewire.Context.new_root().traceparent, "baggage": "k=v"}
    done = threading.Event()
    errors: list[BaseException] = []

    def change() -> None:
        for i in range(ROUNDS * 4):
            headers[f"x-{i % 100}"] = "v"
            headers["traceparent"] = tracewire.Context.new_root().traceparent
            headers.pop(f"x-{(i + 50) % 100}", None)
        done.set()

    def read() -> None:
        try:
            while not done.is_set():
                assert tracewire.extract(headers) is not None
                assert tracewire.continue_trace(headers).baggage == {"k": "v"}
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=change)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def draw(count: int) -> list[str]:
    """`count` root trace ids and span ids, and `count` child span ids."""
    ids = []
    for _ in range(count):
        root = tracewire.Context.new_root()
        ids += [root.trace_id, root.span_id, root.child().span_id]
    return ids


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_forked_processes_and_their_forks_draw_their_own_ids() -> None:
    """Four children forked from one parent, and a grandchild of each, draw ids
    that no other process draws."""
    draw(10)  # the parent's generator is in use before the forks
    readers = []
    for _ in range(4):
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child process
            os.close(read_end)
            ids = draw(2_000)
            grandchild = os.fork()
            if grandchild == 0:
                ids = draw(2_000)
            else:  # one writer at a time: the lines are longer than an atomic pipe write
                os.waitpid(grandchild, 0)
            with os.fdopen(write_end, "w") as pipe:
                pipe.write(" ".join(ids) + "\n")
            os._exit(0)
        os.close(write_end)
        readers.append((pid, read_end))
    ids = [draw(2_000)]
    for pid, read_end in readers:
        with os.fdopen(read_end) as pipe:
            lines = pipe.read().split("\n")
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        ids += [line.split() for line in lines if line]
    assert [len(each) for each in ids] == [6_000] * 9
    everything = [one for each in ids for one in each]
    assert len(set(everything)) == len(everything), "two processes drew the same id"
