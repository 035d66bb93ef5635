"""Token accounting per request and per session, priced from a table (USD per million tokens).

Built-in prices are OpenAI's list prices as of this release; the `prices` setting adds models
or overrides these. A fine-tune id (`ft:gpt-4o-mini-2024-07-18:org::abc`) is priced as its
`ft:<base>` entry. Local backends (llamacpp, replay, none) cost nothing. The Batch API is half
price (`batch=True`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field

from spcopilot.server.ai.backends.base import Usage

BUILT_IN_PRICES: dict[str, dict[str, float]] = {
    "gpt-4o-mini": {"input": 0.15, "output": 0.60},
    "ft:gpt-4o-mini": {"input": 0.30, "output": 1.20},
    "gpt-4o": {"input": 2.50, "output": 10.00},
    "ft:gpt-4o": {"input": 3.75, "output": 15.00},
    "gpt-4.1-mini": {"input": 0.40, "output": 1.60},
    "ft:gpt-4.1-mini": {"input": 0.80, "output": 3.20},
    "gpt-4.1": {"input": 2.00, "output": 8.00},
    "gpt-4.1-nano": {"input": 0.10, "output": 0.40},
}
LOCAL_BACKENDS = frozenset({"llamacpp", "replay", "none"})


@dataclass(frozen=True, slots=True)
class Price:
    input: float  # USD per million prompt tokens
    output: float
    known: bool = True

    def cost(self, usage: Usage, batch: bool = False) -> float:
        usd = (usage.prompt_tokens * self.input + usage.completion_tokens * self.output) / 1_000_000
        return usd / 2 if batch else usd


FREE = Price(0.0, 0.0)
UNKNOWN = Price(0.0, 0.0, known=False)


def price_of(model: str, backend: str, extra: Mapping[str, Mapping[str, float]] | None = None) -> Price:
    if backend in LOCAL_BACKENDS:
        return FREE
    table = {**BUILT_IN_PRICES, **(extra or {})}
    candidates = [model]
    if model.startswith("ft:"):
        base = model[3:].split(":", 1)[0]
        candidates += [f"ft:{base}"] + [k for k in table if k.startswith("ft:") and base.startswith(k[3:])]
    candidates += [k for k in table if not k.startswith("ft:") and model.startswith(k)]
    for name in candidates:
        row = table.get(name)
        if row:
            return Price(float(row.get("input", 0.0)), float(row.get("output", 0.0)))
    return UNKNOWN


@dataclass(slots=True)
class Ledger:
    """What a session spent; shared by every request of a server or CLI run (thread-safe)."""

    requests: int = 0
    usage: Usage = field(default_factory=Usage)
    usd: float = 0.0
    unpriced: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, usage: Usage, price: Price, batch: bool = False) -> float:
        cost = price.cost(usage, batch)
        with self._lock:
            self.requests += 1
            self.usage = self.usage + usage
            self.usd += cost
            self.unpriced |= not price.known
        return cost

    def to_json(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.usage.prompt_tokens,
            "completion_tokens": self.usage.completion_tokens,
            "usd": round(self.usd, 6),
            "complete_pricing": not self.unpriced,
        }


def describe_cost(usage: Usage, cost: float, price: Price) -> str:
    if price.known and not price.input and not price.output:
        money = "no cost (local)"
    else:
        money = f"${cost:.4f}" if price.known else "price unknown (setting `prices`)"
    return f"{usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens, {money}"
