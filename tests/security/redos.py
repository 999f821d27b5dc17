"""Timing renderers on hostile input without ever hanging: each render runs
in a forked child process, its CPU time measured there (others' load on the
machine adds little); a render still running after the timeout (catastrophic
backtracking) is killed and counted as taking forever."""

from __future__ import annotations

import gc
import math
import multiprocessing
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

SIZE = 64 * 1024


def filled(unit: str, size: int = SIZE) -> str:
    """`unit` repeated to exactly `size` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def nested_list(size: int = SIZE) -> str:
    """Markdown lists nested ever deeper, again and again."""
    return filled("".join("  " * depth + "- x\n" for depth in range(64)), size)


# The hostile inputs, by name: the (`*`, `[`, `(`, `<`, nested lists,
# long link chains) and the ones each renderer's rules invite.
UNITS = {
    "*": "*",
    "[": "[",
    "(": "(",
    "<": "<",
    "_": "_",
    "`": "`",
    "!": "!",
    "\\": "\\",
    "#": "#",
    "&#": "&#",
    "|": "|",
    "> ": "> ",
    "- ": "- ",
    "link chain": "[a](b)",
    "open links": "[a](",
    "open images": "![a](",
    "angle links": "[x](<",
    "references": "[a]: b\n",
    "footnotes": "[^1]",
    "emphasis": "*a_",
    "tables": "a|b\n",
    "comments": "<!--",
    "entities": "&amp;",
    "ampersands": "&",
    "unknown references": "&a",
    "no-break spaces": "\xa0",
    "open tags": "<a href='",
    "headings": "<h2 id=x>a",
    "urls": "http://",
    "blank lines": "\n \n",
    "gaps": "x" + " " * 8191,
    # A comment of one line takes a short path (cms.text.comment_text): this
    # gap, after a line break, goes through the paragraph and line rules.
    "gaps after line breaks": "x\n" + " " * 8190,
    "nested blocks": "<ul><li>",
    "nested divs": "<div>",
    "definition lists": "<dl><dd>",
    "ended paragraphs": "<p><div></p>",
    "cells": "<td><div></td>",
}


def inputs(quick: bool = False) -> dict[str, str]:
    """Every hostile input, SIZE characters each (a few when `quick`)."""
    made = {name: filled(unit) for name, unit in UNITS.items()}
    made["nested lists"] = nested_list()
    if quick:
        quick_ones = ("[", "gaps", "gaps after line breaks", "nested blocks")
        return {k: made[k] for k in (*quick_ones, "nested lists")}
    return made


@dataclass(frozen=True)
class Job:
    """One render to time: `render(text)`, `repeats` times."""

    name: str
    render: Callable[[str], object]
    text: str
    repeats: int = 2


def _work(connection, jobs: Sequence[Job], first: int) -> None:
    # What the parent made is left alone: a full collection would walk (and
    # copy, page by page) the parent's whole heap inside somebody's timing.
    gc.freeze()
    # Each renderer once on a little of its input first: the pages of the
    # parent's memory it touches are copied now, not inside a timing.
    for render, text in {job.render: job.text for job in jobs[first:]}.items():
        render(text[:2048])
    for index in range(first, len(jobs)):
        job = jobs[index]
        times = []
        for _ in range(job.repeats):
            gc.collect()
            start = time.thread_time()
            job.render(job.text)
            times.append(time.thread_time() - start)
        connection.send((index, (min(times), max(times))))
    connection.close()


def cpu_times(jobs: Sequence[Job], timeout: float) -> list[tuple[float, float]]:
    """Each job's (best, worst) CPU seconds, in order; math.inf for a job
    that ran longer than `timeout` (wall clock) or broke its process."""
    context = multiprocessing.get_context("fork")  # the renderers as patched
    results = [(math.inf, math.inf)] * len(jobs)
    first = 0
    while first < len(jobs):
        receiver, sender = context.Pipe(duplex=False)
        child = context.Process(target=_work, args=(sender, jobs, first), daemon=True)
        child.start()
        sender.close()
        index = first
        try:
            while index < len(jobs) and receiver.poll(timeout):
                index, seconds = receiver.recv()
                results[index] = seconds
                index += 1
        except EOFError:
            pass
        finally:
            child.kill()
            child.join()
            receiver.close()
        first = index + 1 if index < len(jobs) else index
    return results
