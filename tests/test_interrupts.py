"""Ctrl-C held back over a block, whichever thread the kernel hands it to."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from publisher.interrupts import interrupts_held


def _idle_thread() -> tuple[threading.Thread, threading.Event]:
    # A thread with SIGINT unmasked, as a progress bar's refresh thread has: the kernel may give
    # a process-wide Ctrl-C to it rather than to the thread that masked it.
    done = threading.Event()
    thread = threading.Thread(target=done.wait, daemon=True)
    thread.start()
    return thread, done


def test_a_ctrl_c_given_to_another_thread_is_held_until_the_block_ends() -> None:
    thread, done = _idle_thread()
    finished = False
    try:
        with pytest.raises(KeyboardInterrupt), interrupts_held():
            assert thread.ident is not None
            signal.pthread_kill(thread.ident, signal.SIGINT)
            time.sleep(0.05)  # long enough for Python to run its handler many times over
            finished = True
    finally:
        done.set()
    assert finished, "the Ctrl-C cut the block short"


def test_a_ctrl_c_to_this_thread_is_held_until_the_block_ends() -> None:
    finished = False
    with pytest.raises(KeyboardInterrupt), interrupts_held():
        signal.raise_signal(signal.SIGINT)
        time.sleep(0.01)
        finished = True
    assert finished


def test_without_a_ctrl_c_the_block_ends_quietly_and_the_handler_is_put_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    with interrupts_held():
        pass
    assert signal.getsignal(signal.SIGINT) is before
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, set())
