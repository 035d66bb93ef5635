from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from spcopilot.diagnostics.context import Context
from spcopilot.diagnostics.model import Diagnostic, Severity
from spcopilot.diagnostics.rules.base import Match, Rule
from spcopilot.diagnostics.secrets import SecretKind, classify_literal, find_secrets
from tree_sitter import Node

# Prefilters only: the classifier in secrets.py decides.
_NAME_WORDS = "pass|pwd|pw|secret|token|key"
_NAME_RE = "(?i)" + _NAME_WORDS
_VALUE_RE = (
    r"(?i)[0-9a-f]{32}|webhooks/|hooks[.]slack[.]com|bearer\s|bot\s|private key"
    r"|[?&;](key|apikey|api_key|api-key|webkey|steamkey|access_token|auth_token|token|secret|client_secret"
    r"|password|passwd|pass|pwd)=|://[^/\s:@]+:[^/\s@]+@|(password|passwd|pwd|pass)\s*=|rcon_password|sv_password"
)
_DEFINE_RE = r'^\s*"'
# Calls that store a value under a key: (key, value) are adjacent string arguments, the key
# first or right after a handle.
_PAIR_SETTERS = frozenset(
    {
        "SetString",
        "KvSetString",
        "CreateConVar",
        "SetHeader",
        "SetParam",
        "AppendQueryParam",
        "AppendFormParam",
        "SetHTTPRequestGetOrPostParameter",
        "SetHTTPRequestHeaderValue",
        "SteamWorks_SetHTTPRequestGetOrPostParameter",
        "SteamWorks_SetHTTPRequestHeaderValue",
    }
)
_COPIES = frozenset({"strcopy", "Format", "FormatEx"})


def _quoted(regex: str) -> str:
    """A regex as a tree-sitter query string."""
    return '"' + regex.replace("\\", "\\\\").replace('"', '\\"') + '"'


_DEFINE_STRING = re.compile(rb'^\s*"((?:[^"\\\n]|\\.)*)"\s*(?://.*)?$')

_ADVICE = {
    SecretKind.DATABASE_PASSWORD: "move it to databases.cfg / a ConVar with FCVAR_PROTECTED",
    SecretKind.STEAM_API_KEY: "read it from a ConVar with FCVAR_PROTECTED set in the server's cfg, and revoke this key",
    SecretKind.WEBHOOK: "anyone who has the URL can post to the channel; read it from a ConVar with FCVAR_PROTECTED"
    " or a config file, and regenerate the webhook",
    SecretKind.PRIVATE_KEY: "load it from a file that is not shipped with the plugin, and replace this key",
    SecretKind.URL_CREDENTIAL: "build the URL at runtime from a config file or a ConVar with FCVAR_PROTECTED",
}
_DEFAULT_ADVICE = "read it at runtime from a config file or a ConVar with FCVAR_PROTECTED"


class HardcodedCredential(Rule):
    code = "SPC506"
    name = "hard-coded-credential"
    severity = Severity.ERROR
    item_local = True
    summary = "A password, API key, token, webhook URL or private key is written in the plugin source"
    docs = """
## What it does
Flags string literals that hold a credential: database passwords (`kv.SetString("pass", ...)`
before `SQL_ConnectCustom`, `char g_sDbPass[] = "..."`, `#define DB_PASSWORD "..."`,
`SQL_ConnectEx`'s password argument, `password=` in connection strings), server passwords set
from the plugin (`rcon_password`, `sv_password`), Steam Web API keys (32 hex characters),
API keys and tokens in variables named `g_sApiKey`, `g_sBotToken`, ..., URLs with `key=`,
`token=` or `password=` parameters or `user:password@` credentials, Discord webhook URLs with
their token, `Bearer`/`Bot` authorization tokens and PEM private keys. Placeholders (`""`,
`YOUR_KEY_HERE`, `<api key>`, `changeme`, `****`), format strings (`"%s"`), names of keys and
ConVars, SQL column names, paths, colour codes and map hashes are not reported.

Config files named on the command line (`spcopilot check databases.cfg`, `server.cfg`,
`.ini`/`.env`) are scanned as plain text for the same secrets.

## Why is this bad?
Plugin sources are shared: posted on forums, pushed to GitHub, sent to other server owners, and
`.smx` files keep their strings readable. Whoever reads the source can log into the database,
use the API key under your name, post through the webhook or take over the server with the
rcon password. A credential that has been published must be revoked, not just removed.

## Example
```sourcepawn
KeyValues kv = new KeyValues("");
kv.SetString("driver", "mysql");
kv.SetString("host", "127.0.0.1");
kv.SetString("user", "l4d2");
kv.SetString("pass", "Tr0ub4dor&3");
Database db = SQL_ConnectCustom(kv, error, sizeof(error), true);
```

## Use instead
```sourcepawn
// addons/sourcemod/configs/databases.cfg holds "pass" on the server only
Database.Connect(OnDatabaseConnected, "l4d2stats");

// or a protected ConVar for keys and tokens, set in cfg/sourcemod/plugin.l4d2stats.cfg
g_cvApiKey = CreateConVar("sm_stats_apikey", "", "Steam Web API key", FCVAR_PROTECTED);
```
"""
    reads_configs = True
    calls = _PAIR_SETTERS | _COPIES | {"SetConVarString", "SQL_ConnectEx"}
    query = f"""
((variable_declaration name: (identifier) @name initialValue: (string_literal) @value) (#match? @name {_quoted(_NAME_RE)}))
((old_variable_declaration name: (identifier) @name initialValue: (string_literal) @value) (#match? @name {_quoted(_NAME_RE)}))
((assignment_expression left: (identifier) @name right: (string_literal) @value) (#match? @name {_quoted(_NAME_RE)}))
((preproc_define value: (preproc_arg) @define) (#match? @define {_quoted(_DEFINE_RE)}))
"""

    def check(self, match: Match, ctx: Context) -> Iterator[Diagnostic]:
        if "define" in match:
            yield from self._check_define(match["define"][0], ctx)
            return
        literal = match["value"][0]
        name, role = _context(literal, ctx)
        yield from self._report(literal, name, role, ctx)

    def scan_text(self, ctx: Context, start: int, end: int) -> Iterator[Diagnostic]:
        """Secret-shaped text in any string literal or comment. Every alternative of the pattern
        holds an anchor: a value word, a name word (with `=`), `://` (with `@`) or a run of 32
        hex digits. The anchors are found with byte searches (over the whole file, or over one
        top-level item in the editor), each is mapped to the literal or comment around it
        through the tree, and only those meet the full pattern. (A query over every literal and
        comment cost more than the rest of the catalogue; so did visiting every literal and
        comment in Python.) Only the item's own text is searched: a literal or comment that reaches
        past it is searched on its own. (Searching on to the end of the line made an editor's
        lint quadratic on a line of many items: 5,000 `(` on one line took 0.3 s per 10 KB and
        4 times that per doubling, bench/fuzz_lsp.py.)"""
        source, first, limit = ctx.source, start, end
        anchors = _Anchors.of(source, first, limit)
        seen: set[int] = set()
        for anchor in anchors.starts():  # (those of the next item on the same line: its own scan)
            node = _holder(ctx, anchor, anchor + 1, ("string_literal", "comment"))
            if node is None or node.start_byte in seen:
                continue
            seen.add(node.start_byte)
            start, end = node.start_byte, node.end_byte
            token = source[start:end]
            is_comment = node.type == "comment"
            inside = anchors if first <= start and end <= limit else _Anchors.of(source, start, end)
            has_name_word = _any_within(inside.name_words, start, end)
            if not (
                (b"=" in token and has_name_word)
                or (b"@" in token and _any_within(inside.urls, start, end))
                or _any_within(inside.value_words, start, end)
                or _any_within(inside.hex_runs, start, end)
                or (is_comment and has_name_word)
            ):
                continue
            if not (is_comment and has_name_word) and not _VALUE_LOWER.search(token.lower()):
                continue
            if is_comment:
                yield from self._check_comment(node, ctx)
            else:
                name, role = _context(node, ctx)
                yield from self._report(node, name, role, ctx)

    def check_config(self, ctx: Context) -> Iterator[Diagnostic]:
        """A config file (KeyValues such as databases.cfg, server.cfg, .ini/.env): the plain-text
        scan that comments get, over the whole file."""
        text = ctx.source.decode("utf-8", "replace")
        for finding in find_secrets(text):
            start = len(text[: finding.start].encode("utf-8"))
            end = start + len(text[finding.start : finding.end].encode("utf-8"))
            yield self.diagnostic(ctx, (start, end), _message(finding.kind, "config"))

    def check_call(self, call: Node, callee: str, ctx: Context) -> Iterator[Diagnostic]:
        args = ctx.args(call)
        for index, arg in enumerate(args):
            if arg.type == "string_literal":
                name, role = _call_context(call, callee, args, index, ctx)
                if name is not None:
                    yield from self._report(arg, name, role, ctx)

    def _check_define(self, arg: Node, ctx: Context) -> Iterator[Diagnostic]:
        # To the end of the line: the grammar ends the define's value at a `//` inside the
        # string (`"https://..."`), spcomp does not.
        end = ctx.source.find(b"\n", arg.start_byte)
        m = _DEFINE_STRING.match(ctx.source[arg.start_byte : end if end != -1 else len(ctx.source)].rstrip(b"\r"))
        define = arg.parent
        name_node = define.child_by_field_name("name") if define is not None else None
        if m is None or name_node is None:
            return
        value = m.group(1).replace(b'\\"', b'"').replace(b"\\\\", b"\\").decode("utf-8", "replace")
        kind = classify_literal(value, ctx.text(name_node))
        if kind is not None:
            span = (arg.start_byte + m.start(1) - 1, arg.start_byte + m.end(1) + 1)
            yield self.diagnostic(ctx, span, _message(kind, "define"))

    def _check_comment(self, comment: Node, ctx: Context) -> Iterator[Diagnostic]:
        """Commented-out code and notes leak as much as live code: the same text scan as configs."""
        text = ctx.text(comment)
        for finding in find_secrets(text):
            start = comment.start_byte + len(text[: finding.start].encode("utf-8"))
            end = comment.start_byte + len(text[: finding.end].encode("utf-8"))
            yield self.diagnostic(ctx, (start, end), _message(finding.kind, "comment"))

    def _report(self, literal: Node, name: str | None, role: str | None, ctx: Context) -> Iterator[Diagnostic]:
        value = ctx.string_value(literal)
        if value is None:
            return
        kind = classify_literal(value, name)
        if kind is None and "PRIVATE KEY-----" in value:
            # The key's body may follow in the next concatenated literals.
            following = ctx.source[literal.start_byte : literal.start_byte + 800].decode("utf-8", "replace")
            ctx.uses_whole_file()  # the next 800 bytes may belong to other items
            kind = classify_literal(following)
        if kind is None:
            return
        if kind is SecretKind.PASSWORD and role == "keyvalues" and ctx.contains(b"SQL_ConnectCustom"):
            kind = SecretKind.DATABASE_PASSWORD
        yield self.diagnostic(ctx, literal, _message(kind, role))


# The secret-shaped text of _VALUE_RE, for lower-cased text (case-sensitive matching is several times faster).
_VALUE_LOWER = re.compile(_VALUE_RE.removeprefix("(?i)").encode())
# Hex digits -> "x", everything else -> " ": a run of 32 hex digits becomes a findable 32 x.
_HEX_MASK = bytes(ord("x") if chr(b) in "0123456789abcdef" else ord(" ") for b in range(256))
# Literal pieces every alternative of _VALUE_RE contains besides `=` and `@` (or a 32-hex run),
# and the name words comments are searched for: found once per file, lower-cased, with
# bytes.find; a token is only matched against the full patterns if one of them lies inside it.
_VALUE_WORDS = (
    b"webhooks/",
    b"slack.com",
    b"bearer",
    b"bot ",
    b"bot\t",
    b"bot\n",
    b"bot\r",
    b"private key",
    b"password",
)
_NAME_WORDS_BYTES = tuple(w.encode() for w in _NAME_WORDS.split("|"))
# One anchor per run of 32 or more hex digits, where it starts (a megabyte line of digits was a
# million anchors, each looked up in the tree: most of a fuzzed server's time, bench/fuzz_lsp.py).
_HEX_RUN = re.compile(rb"x{32,}")


# The longest anchor word: a word that starts inside a text but runs past its end is found by
# reading this much further.
_REACH = max(len(w) for w in (*_VALUE_WORDS, *_NAME_WORDS_BYTES, b"://"))


@dataclass(frozen=True, slots=True)
class _Anchors:
    """Where the anchor words start in source[start:stop] (sorted byte offsets, each kind)."""

    value_words: list[int]
    name_words: list[int]
    urls: list[int]
    hex_runs: list[int]

    @classmethod
    def of(cls, source: bytes, start: int, stop: int) -> _Anchors:
        lowered = source[start : stop + _REACH].lower()
        within = stop - start

        def found(needles: tuple[bytes, ...]) -> list[int]:
            return [i for i in _positions(lowered, needles) if i < within]

        runs = [m.start() for m in _HEX_RUN.finditer(lowered.translate(_HEX_MASK)) if m.start() < within]
        return cls(
            *(
                [i + start for i in kind]
                for kind in (found(_VALUE_WORDS), found(_NAME_WORDS_BYTES), found((b"://",)), runs)
            )
        )

    def starts(self) -> list[int]:
        return sorted({*self.value_words, *self.name_words, *self.urls, *self.hex_runs})


def _positions(text: bytes, needles: tuple[bytes, ...], offset: int = 0) -> list[int]:
    found = []
    for needle in needles:
        i = text.find(needle)
        while i != -1:
            found.append(i + offset)
            i = text.find(needle, i + 1)
    found.sort()
    return found


def _any_within(positions: list[int], start: int, end: int) -> bool:
    i = bisect_left(positions, start)
    return i < len(positions) and positions[i] < end


def _holder(ctx: Context, start: int, end: int, kinds: tuple[str, ...]) -> Node | None:
    """The string literal or comment around a byte range, if any."""
    node: Node | None = ctx.tree.root_node.descendant_for_byte_range(start, end)
    while node is not None and node.type not in kinds:
        if node.type in ("block", "function_definition", "source_file"):
            return None
        node = node.parent
    return node


def _message(kind: SecretKind, role: str | None) -> str:
    if role == "config":
        return (
            f"{kind.noun} is written in this config file: keep the real value only in the server's own"
            " copy, never in a file that is committed or shared (and revoke it if it was)"
        )
    if role == "comment":
        return (
            f"{kind.noun} is written in a comment of the plugin source: delete it, and revoke it if it was ever shared"
        )
    if role == "convar-default":
        return (
            f'{kind.noun} is the default value of a ConVar in the plugin source: make the default "" and set'
            " the real value in the server's cfg (create the ConVar with FCVAR_PROTECTED)"
        )
    return f"{kind.noun} is written in the plugin source: {_ADVICE.get(kind, _DEFAULT_ADVICE)}"


def _context(literal: Node, ctx: Context) -> tuple[str | None, str | None]:
    """The name a string literal is stored under, and how (declaration, call argument...)."""
    parent = literal.parent
    if parent is None:
        return None, None
    if parent.type in ("variable_declaration", "old_variable_declaration"):
        # The only string literal directly under a declaration is its initial value.
        name = parent.child_by_field_name("name")
        if name is not None:
            return ctx.text(name), "declaration"
    elif parent.type == "assignment_expression" and parent.child_by_field_name("right") == literal:
        left = parent.child_by_field_name("left")
        if left is not None and left.type == "identifier":
            return ctx.text(left), "assignment"
    elif parent.type == "call_arguments" and parent.parent is not None:
        call = parent.parent
        args = ctx.args(call)
        if literal in args:
            return _call_context(call, ctx.callee(call), args, args.index(literal), ctx)
    return None, None


def _call_context(call: Node, callee: str, args: list[Node], index: int, ctx: Context) -> tuple[str | None, str | None]:
    """The key a call stores its `index`-th (string) argument under, if the call is a setter."""
    if callee == "SetString" and index == 0:
        cvar = _find_convar(_method_target(call), ctx)
        if cvar is not None:
            return cvar, "convar-set"
    if callee in _PAIR_SETTERS and index >= 1:
        key = args[index - 1]
        key_position_ok = index - 1 == 0 or (index - 1 == 1 and args[0].type != "string_literal")
        if key.type == "string_literal" and key_position_ok:
            role = (
                "convar-default"
                if callee == "CreateConVar"
                else "keyvalues"
                if callee in ("SetString", "KvSetString")
                else "call"
            )
            return ctx.string_value(key), role
    if callee == "SetConVarString" and index == 1:
        cvar = _find_convar(args[0], ctx)
        if cvar is not None:
            return cvar, "convar-set"
    if callee in _COPIES and index == 2 and len(args) == 3 and args[0].type == "identifier":
        return ctx.text(args[0]), "copy"
    if callee == "SQL_ConnectEx" and index == 3:
        return "database password", "connect"
    return None, None


def _method_target(call: Node) -> Node | None:
    fn = call.child_by_field_name("function")
    return fn.child_by_field_name("target") if fn is not None and fn.type == "field_access" else None


def _find_convar(node: Node | None, ctx: Context) -> str | None:
    """ "x" for a `FindConVar("x")` expression."""
    if node is None or node.type != "call_expression" or ctx.callee(node) != "FindConVar":
        return None
    args = ctx.args(node)
    return ctx.string_value(args[0]) if args else None
