"""`spcopilot batch PROMPTS --output DIR`: many plugins, each through the guard, resumable.

DIR gets `<id>.sp` per prompt and `results.jsonl` (id, prompt, guard summary, usage, cost); ids
already in results.jsonl are skipped, so an interrupted run continues where it stopped. The
first failing prompt stops the run (what finished is kept). `--openai-batch` submits the prompts
through the OpenAI Batch API instead (half price, answered within 24 h) and `--collect DIR`
fetches and guards the answers later (openai_batch.py). Exit codes as `generate`: 0 all clean,
1 some result has errors or syntax errors left, 2 usage/backend error, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from spcopilot.diagnostics.errors import ConfigError, SpcopilotError
from spcopilot.server.ai.backends.base import Cancelled, CancelToken
from spcopilot.server.ai.cli import flags, openai_batch
from spcopilot.server.ai.cli.batch_results import ResultsFolder
from spcopilot.server.ai.cli.batch_summary import finish
from spcopilot.server.ai.cli.interrupt import cancel_all
from spcopilot.server.ai.cli.progress import BatchProgress
from spcopilot.server.ai.cli.prompts_file import PromptItem, read_prompts
from spcopilot.server.ai.service import Copilot

DEFAULT_CONCURRENCY = {"llamacpp": 1}  # one model in memory, generation serialised anyway
OTHER_CONCURRENCY = 4


def run_batch(args: argparse.Namespace) -> int:
    if args.collect is not None:
        if args.prompts is not None or args.output is not None or args.openai_batch:
            raise ConfigError("--collect DIR takes no PROMPTS, --output or --openai-batch (DIR/batch.json has them)")
        return openai_batch.collect(args)
    if args.prompts is None or args.output is None:
        raise ConfigError("batch needs PROMPTS and --output DIR (or --collect DIR for a submitted Batch API job)")
    if args.concurrency is not None and args.concurrency < 1:
        raise ConfigError("--concurrency must be at least 1")
    items = read_prompts(args.prompts)
    folder = ResultsFolder(args.output)
    folder.drop_unreadable()
    done = folder.done_ids()
    todo = [item for item in items if item.id not in done]
    resolved = flags.resolve(args)
    if args.openai_batch:
        return openai_batch.submit(args, resolved, todo, folder)
    copilot = Copilot(resolved.settings, resolved.config)
    try:
        if todo:
            _ = copilot.backend  # configuration errors before the first prompt
        concurrency = args.concurrency or DEFAULT_CONCURRENCY.get(resolved.settings.backend, OTHER_CONCURRENCY)
        run = BatchRun(copilot, folder, repair=not args.no_repair)
        run.run(todo, concurrency, progress=not args.no_progress)
    finally:
        copilot.close()
    return finish(
        args, items, folder, run.generated, len(items) - len(todo), run.error, run.interrupted, copilot.ledger.to_json()
    )


@dataclass(slots=True)
class BatchRun:
    copilot: Copilot
    folder: ResultsFolder
    repair: bool = True
    generated: int = 0
    error: str = ""
    interrupted: bool = False
    _tokens: list[CancelToken] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def _one(self, item: PromptItem) -> dict[str, object] | None:
        token = CancelToken()
        self._tokens.append(token)
        if self._stop.is_set():
            return None
        try:
            result = self.copilot.generate_plugin(item.prompt, token, None, f"{item.id}.sp", repair=self.repair)
            return self.folder.record(item, result)
        except SpcopilotError:
            self._stop.set()  # set here, not when the main thread sees it: no new prompt starts
            raise

    def run(self, todo: list[PromptItem], concurrency: int, progress: bool = True) -> None:
        if concurrency > 1:
            warm_engine(self.copilot)
        bar = BatchProgress(len(todo), enabled=progress)
        pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="spcopilot-batch")
        futures: dict[Future[dict[str, object] | None], PromptItem] = {pool.submit(self._one, i): i for i in todo}
        pending = set(futures)
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._collect(future, futures[future], bar, pending)
        except KeyboardInterrupt:
            self.interrupted = True
            self._halt(pending)
        finally:
            pool.shutdown(wait=True)
            bar.close()

    def _collect(
        self,
        future: Future[dict[str, object] | None],
        item: PromptItem,
        bar: BatchProgress,
        pending: set[Future[dict[str, object] | None]],
    ) -> None:
        if future.cancelled():
            return
        try:
            row = future.result()
        except Cancelled:
            return
        except SpcopilotError as exc:
            if not self.error:
                self.error = f"{item.id} (line {item.line}): {exc}"
                self._halt(pending)
            return
        if row is not None:
            self.generated += 1
            bar.advance(item.id, str(row["guard"]))

    def _halt(self, pending: set[Future[dict[str, object] | None]]) -> None:
        """No new prompt starts; a Ctrl-C also cancels the ones in flight."""
        self._stop.set()
        for future in pending:
            future.cancel()
        if self.interrupted:
            cancel_all(self._tokens)


def warm_engine(copilot: Copilot) -> None:
    """Build the engine's cached rule set once, on this thread, before workers lint in parallel:
    its first build is not safe to race (two threads can end up holding different Rule
    instances, and a lint then reports nothing)."""
    from spcopilot.diagnostics.engine import lint

    lint(b"", "warm-up.sp", copilot.config)
