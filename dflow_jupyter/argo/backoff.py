"""Exponential backoff with jitter for the poller's reconnections and the synchronous wait.

Single requests are retried by tenacity (see ``_http``); this helper paces the loops around
them (a watch stream that dropped, a workflow not visible yet), which tenacity does not model.
"""

from __future__ import annotations

import random
from collections.abc import Callable

__all__ = ["Backoff"]


class Backoff:
    """Delays ``initial * 2**n`` capped at ``maximum``, each plus a random ``[0, jitter)``.

    Parameters
    ----------
    initial
        The first delay, in seconds.
    maximum
        The longest delay before jitter.
    jitter
        The largest random addition (default: ``initial``); it keeps many clients that lost
        the same server from coming back in step.
    rng
        A ``random()``-like function, for tests.
    """

    def __init__(
        self,
        initial: float,
        maximum: float,
        jitter: float | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if initial <= 0 or maximum < initial:
            raise ValueError(f"Backoff: need 0 < initial <= maximum, got {initial} and {maximum}")
        self.initial = initial
        self.maximum = maximum
        self.jitter = initial if jitter is None else jitter
        self._rng = rng
        self.attempts = 0

    def next(self) -> float:
        """The next delay (and count one more attempt)."""
        # min() before the power would overflow after about 1000 attempts.
        exponent = min(self.attempts, 62)
        self.attempts += 1
        return min(self.maximum, self.initial * 2.0**exponent) + self.jitter * self._rng()

    def reset(self) -> None:
        """Start again from ``initial`` (after a success)."""
        self.attempts = 0
