"""Ids: fresh after fork(), unique across threads sharing one context."""

from __future__ import annotations

import os
import re
import threading

import pytest
import tracewire


def draw() -> str:
    root = tracewire.Context.new_root()
    return f"{root.trace_id} {root.span_id} {root.child().span_id}"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_reseeds_the_generator() -> None:
    draw()  # the parent's generator is in use before the fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child process
        os.close(read_end)
        os.write(write_end, draw().encode())
        os._exit(0)
    os.close(write_end)
    parent = draw()
    with os.fdopen(read_end) as pipe:
        child = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert len(child.split()) == 3
    assert set(child.split()).isdisjoint(parent.split())


def test_threads_sharing_a_context_draw_unique_span_ids() -> None:
    per_thread = 1_000_000
    root = tracewire.Context.new_root()
    results: list[set[int]] = []

    def work() -> None:
        child = root.child
        results.append({int(child().span_id, 16) for _ in range(per_thread)})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [len(ids) for ids in results] == [per_thread] * 4
    assert len(set().union(*results)) == 4 * per_thread
    assert int(root.span_id, 16) not in results[0]


def test_new_root() -> None:
    root = tracewire.Context.new_root()
    assert root.flags == 3
    assert root.sampled
    assert root.parent_span_id is None
    assert re.fullmatch("[0-9a-f]{32}", root.trace_id)
    assert re.fullmatch("[0-9a-f]{16}", root.span_id)
    assert root.trace_id != "0" * 32
    assert root.span_id != "0" * 16
    assert tracewire.Context.new_root().trace_id != root.trace_id


def test_child_keeps_the_trace() -> None:
    root = tracewire.Context.new_root().with_tracestate("k", "v")
    child = root.child()
    assert (child.trace_id, child.parent_span_id, child.flags, child.tracestate) == (
        root.trace_id,
        root.span_id,
        3,
        "k=v",
    )
    assert child.span_id != root.span_id
