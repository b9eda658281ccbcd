"""Ctrl-C held back over steps that must not be cut in half, and raised as they end."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Hold back Ctrl-C (SIGINT) for the block; one that came meanwhile is raised as it ends.

    Masking the signal in this thread is not enough: the kernel gives it to any thread that has
    it unmasked (the progress bar's, on a terminal, took 10 Ctrl-Cs in 30), and Python then
    raises it in the main thread all the same. So the handler itself is swapped, in the main
    thread, for one that only notes the interrupt. The mask stays for the processes forked inside
    the block, which inherit it and have no handler of their own yet.
    """
    came: list[int] = []

    def note(number: int, _: FrameType | None) -> None:
        came.append(number)

    swapped = threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGINT) is not None
    previous = signal.signal(signal.SIGINT, note) if swapped else None
    masked = hasattr(signal, "pthread_sigmask")  # not on Windows
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT}) if masked else set()
    try:
        yield
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)  # one pending is noted as it arrives
        if swapped:
            signal.signal(signal.SIGINT, previous)
        if came:
            signal.raise_signal(signal.SIGINT)  # as if it came now: the usual handler decides
