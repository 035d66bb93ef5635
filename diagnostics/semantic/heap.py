"""Keeping Python's garbage collector off the workspace's model.

The workspace keeps a summary of every file it has read: a few hundred thousand long-lived
objects for a 300-file workspace. A full (oldest-generation) collection walks all of them,
hundreds of milliseconds on a loaded machine, and lands inside whichever request happens to
allocate at that moment: the warm references p95 was mostly that. After a bulk read (the first
request over the workspace, a branch switch) the heap is settled once: a full collection (after
unfreezing what the last settle froze, so cyclic garbage from then is reclaimed too), then
`gc.freeze()`, which moves every surviving object out of the collector's generations. Later
collections only walk what was allocated since; frozen objects are still freed by reference
counting when the model drops them.
"""

from __future__ import annotations

import gc

BULK_READ = 64  # files read from disk since the last settle that make the next one worth its pause
# `gc.freeze()` is process-wide, so only a process that is the language server's own settles
# (`spcopilot serve` turns it on); a library user's heap (tests, `spcopilot check`, an API
# worker) is left alone.
ENABLED = False


def settle() -> None:
    """One full collection, then freeze the survivors (a pause of one full collection)."""
    if not ENABLED:
        return
    gc.unfreeze()
    gc.collect()
    gc.freeze()
