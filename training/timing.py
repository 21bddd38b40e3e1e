"""Progress lines for the slow steps of a run: what is being done, then how long it took.

``with timed(progress, "permutation importance on 2,000 test leads"):`` prints
``  permutation importance on 2,000 test leads ...`` when the step starts and
``  permutation importance on 2,000 test leads: done (4.2s)`` when it ends, in the indented style
of the sub-steps of ``leadconv train``'s ``[1/7]``..``[7/7]`` lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def timed(progress: Callable[[str], None], what: str, indent: str = "  ") -> Iterator[None]:
    """Say ``what`` starts, run the block, say it is done and its wall time."""
    progress(f"{indent}{what} ...")
    started = time.perf_counter()
    yield
    progress(f"{indent}{what}: done ({time.perf_counter() - started:.1f}s)")
