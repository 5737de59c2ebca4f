"""The processes of a crawl die with the process that started them.

A crawl is a tree: the command (or the scheduler) starts a crawl process,
which forks its analysis workers. Whatever kills the top (the OOM killer,
``kill -9``, a closed terminal, a systemd stop that signals only the main
process), nothing below it may go on fetching and storing on its own: each
process asks the kernel (Linux ``PR_SET_PDEATHSIG``) to be killed the moment
its parent goes, and checks that the parent is not already gone.
"""

import ctypes
import faulthandler
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid):
    """Call first thing in a child: be SIGKILLed when ``parent_pid`` dies.

    Returns False where the kernel offers no such thing (not Linux); the
    callers' own watch (polling the parent) then still ends the process.
    """
    armed = False
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    if os.getppid() != parent_pid:  # the parent died before the request was made
        os._exit(1)
    return armed


def stacks_on_request():
    """Let ``kill -USR1 PID`` make this process write where each of its threads is (its
    Python stacks) to its standard error, and go on: how a crawl, a crawl process, an
    analysis worker or ``run`` that seems stuck tells where (docs/running.md). Nothing
    where there is no SIGUSR1."""
    if not hasattr(signal, "SIGUSR1"):
        return
    try:
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    except (RuntimeError, ValueError, OSError):  # a standard error with no file behind it
        pass


def alive(pid):
    """Is there a process ``pid`` (ours or another user's)?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
