"""`spcopilot chat`: a conversation about SourceMod code, one stdin line per message.

Every SourcePawn code block of an answer goes through the guard (the engine's safe fixes; no
model repair round in chat: ask the model yourself); the conversation keeps the guarded answer,
so the model continues from code that compiles against the real API. On a terminal the prose
of an answer streams as it comes and each code block appears once it is complete and guarded.

Commands: /save FILE (the conversation as JSONL, ChatML messages; /save! FILE replaces a file),
/reset, /cost, /help, /quit. A line of three double quotes starts and ends a multi-line
message. Works with stdin from a pipe too (scripts, tests): then an error ends the session.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spcopilot.diagnostics.config import Config
from spcopilot.diagnostics.errors import SpcopilotError
from spcopilot.server.ai.backends.base import BackendError, CancelToken, Message
from spcopilot.server.ai.cli import flags
from spcopilot.server.ai.cli.atomic_write import check_new_file, write_atomic
from spcopilot.server.ai.cli.findings import guard_report
from spcopilot.server.ai.cli.interrupt import EXIT_INTERRUPTED, Interrupted, run_cancellable
from spcopilot.server.ai.guard import GuardResult, default_lint, guard
from spcopilot.server.ai.prompts.system import system_prompt
from spcopilot.server.ai.service import Copilot

HELP = """commands:
  /save FILE   write the conversation as JSONL (one ChatML message a line); /save! FILE replaces FILE
  /reset       forget the conversation (keeps the system prompt)
  /cost        tokens and money spent in this session
  /quit        leave (also Ctrl-D)
  \"\"\"         on a line of its own: start / end a multi-line message
Ctrl-C stops the answer being generated."""
SOURCEPAWN_FENCES = ("sourcepawn", "sp", "c", "cpp", "")
FENCE = "```"
_BLOCK = re.compile(r"(```[ \t]*([\w+-]*)[^\n]*\n)(.*?)(```|\Z)", re.S)


@dataclass(slots=True)
class GuardedAnswer:
    text: str  # the answer with every SourcePawn block replaced by its guarded code
    blocks: list[GuardResult] = field(default_factory=list)


def guard_answer(answer: str, config: Config) -> GuardedAnswer:
    results: list[GuardResult] = []

    def replace(match: re.Match[str]) -> str:
        opening, lang, body, closing = match.groups()
        if lang.lower() not in SOURCEPAWN_FENCES or not body.strip():
            return match.group(0)
        checked = guard(body, default_lint(config, "reply.sp"))
        results.append(checked)
        code = checked.code if checked.code.endswith("\n") or not closing else checked.code + "\n"
        return opening + code + closing

    return GuardedAnswer(_BLOCK.sub(replace, answer), results)


@dataclass(slots=True)
class ChatSession:
    copilot: Copilot
    interactive: bool
    messages: list[Message] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.messages = [Message("system", system_prompt())]

    def save(self, path: Path, force: bool) -> None:
        check_new_file(path, force)
        write_atomic(path, "".join(json.dumps(m.to_json(), ensure_ascii=False) + "\n" for m in self.messages))

    def ask(self, text: str) -> GuardedAnswer:
        """One exchange. On Ctrl-C (`Interrupted`) or a backend error the question is forgotten."""
        self.messages.append(Message("user", text))
        token = CancelToken()
        stream = GuardedStream(self.copilot.config) if self.interactive and sys.stdout.isatty() else None
        try:
            if len(self.messages) == 2:  # a new conversation: the system prompt sized to the model
                self.messages[0] = Message("system", self.copilot.system_prompt())
            completion, _, cost_text = run_cancellable(
                lambda: self.copilot.run_chat(self.messages, token, stream.feed if stream else None), [token]
            )
        except (Interrupted, BackendError):
            self.messages.pop()
            if stream:
                stream.finish(complete=False)
            raise
        if stream:
            stream.finish()
        guarded = guard_answer(completion.text, self.copilot.config)
        self.messages.append(Message("assistant", guarded.text))
        if stream is None:
            print(guarded.text.rstrip("\n"), flush=True)
        for number, checked in enumerate(guarded.blocks, 1):
            if checked.fixed or checked.remaining or checked.syntax:
                name = "reply.sp" if len(guarded.blocks) == 1 else f"reply-{number}.sp"
                print(guard_report(checked, name), file=sys.stderr)
        print(f"({cost_text})", file=sys.stderr, flush=True)
        return guarded


def run_chat(args: argparse.Namespace) -> int:
    resolved = flags.resolve(args)
    copilot = Copilot(resolved.settings, resolved.config)
    try:
        backend = copilot.backend
        interactive = sys.stdin.isatty()
        if interactive:
            _line_editing()
            print(f"spcopilot chat with {backend.name} {backend.model}; /help for commands", file=sys.stderr)
        return _loop(ChatSession(copilot, interactive))
    finally:
        copilot.close()


def _loop(session: ChatSession) -> int:
    for text in _messages(session.interactive):
        command, _, rest = text.strip().partition(" ")
        if command in ("/quit", "/exit"):
            break
        if command == "/help":
            print(HELP, file=sys.stderr)
        elif command == "/reset":
            session.reset()
            print("(conversation forgotten)", file=sys.stderr)
        elif command == "/cost":
            print(json.dumps(session.copilot.ledger.to_json()), file=sys.stderr)
        elif command in ("/save", "/save!"):
            if not rest.strip():
                print("usage: /save FILE", file=sys.stderr)
                continue
            try:
                session.save(Path(rest.strip()).expanduser(), force=command == "/save!")
            except SpcopilotError as exc:
                if not session.interactive:
                    raise
                print(f"error: {exc}{' (/save! FILE replaces it)' if 'exists' in str(exc) else ''}", file=sys.stderr)
                continue
            print(f"(saved {len(session.messages)} messages to {rest.strip()})", file=sys.stderr)
        elif re.fullmatch(r"/[a-z]+!?", command):
            print(f"unknown command {command}; /help lists them", file=sys.stderr)
        else:
            try:
                session.ask(text)
            except Interrupted:
                print("(answer cancelled)", file=sys.stderr)
                if not session.interactive:
                    return EXIT_INTERRUPTED
            except BackendError as exc:
                if not session.interactive:
                    raise
                print(f"error: {exc}", file=sys.stderr)
    return 0


def _messages(interactive: bool) -> Iterator[str]:
    """User messages: one line each, or the lines between two lines of three double quotes."""
    while (line := _read_line(interactive, "you> ")) is not None:
        if line.strip() == '"""':
            lines: list[str] = []
            while (more := _read_line(interactive, "...> ")) is not None and more.strip() != '"""':
                lines.append(more)
            line = "\n".join(lines)
        if line.strip():
            yield line


def _read_line(interactive: bool, prompt: str) -> str | None:
    """One line without its newline; None at the end of input (Ctrl-D)."""
    if interactive:
        try:
            return input(prompt)
        except EOFError:
            print(file=sys.stderr)
            return None
    line = sys.stdin.readline()
    return line.rstrip("\r\n") if line else None


def _line_editing() -> None:
    """Arrow keys and input history at the prompt, where the platform has readline."""
    with contextlib.suppress(ImportError):  # not on Windows
        import readline  # noqa: F401 (importing it is what turns it on for input())


class GuardedStream:
    """An answer streamed to a terminal: prose as it arrives, each code block only once it is
    complete and has been through the guard (so unguarded code is never shown). `write` shows
    text (default: stdout, flushed; the REST API streams it to its client), `end` follows the
    answer; `blocks` are the guard's results, one per code block shown."""

    def __init__(self, config: Config, write: Callable[[str], None] | None = None, end: str = "\n") -> None:
        self.config = config
        self.pending = ""
        self.in_block = False
        self.blocks: list[GuardResult] = []
        self._sink = write or _to_stdout
        self._end = end

    def feed(self, piece: str) -> None:
        self.pending += piece
        while self._step():
            pass

    def _step(self) -> bool:
        if not self.in_block:
            start = self.pending.find(FENCE)
            if start < 0:
                held = len(self.pending) - len(self.pending.rstrip("`"))  # maybe the start of a fence
                self._write(self.pending[: len(self.pending) - held])
                self.pending = self.pending[len(self.pending) - held :]
                return False
            self._write(self.pending[:start])
            self.pending, self.in_block = self.pending[start:], True
        line_end = self.pending.find("\n")
        close = self.pending.find(FENCE, line_end) if line_end >= 0 else -1
        if close < 0:
            return False
        block, self.pending = self.pending[: close + len(FENCE)], self.pending[close + len(FENCE) :]
        self._write(self._guarded(block))
        self.in_block = False
        return True

    def _guarded(self, text: str) -> str:
        answer = guard_answer(text, self.config)
        self.blocks += answer.blocks
        return answer.text

    def finish(self, complete: bool = True) -> None:
        """The rest, then `end`. A block left open by a complete answer is guarded and shown;
        the open block of a cancelled answer is dropped."""
        rest = self.pending
        if self.in_block:
            rest = self._guarded(rest) if complete else "\n(code block cancelled)"
        self._write(rest + self._end)
        self.pending, self.in_block = "", False

    def _write(self, text: str) -> None:
        if text:
            self._sink(text)


def _to_stdout(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
