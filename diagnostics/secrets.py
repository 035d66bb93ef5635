"""Hard-coded secrets: passwords, API keys, tokens, webhook URLs and private keys in text.

Pure functions with no tree-sitter and no rule machinery, shared by the SPC506 rule, `spcopilot
check` on config files and the dataset sanitiser:

- `classify_literal(value, context_name)`: is this string (with the name of the variable,
  define, ConVar or key it is stored under) a secret, and of which kind?
- `find_secrets(text)`: every secret in a plain text (KeyValues configs, ini/env files,
  server.cfg, or source code read as text), as character spans of the secret values.

Precision matters as much as recall: placeholders (`YOUR_KEY_HERE`, `<api key>`, `changeme`,
`""`, `****`), format strings, ConVar/key names, paths, colour codes, translation phrases and
map hashes are not secrets. Findings never carry the secret itself, only where it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache


class SecretKind(str, Enum):
    DATABASE_PASSWORD = "database-password"
    PASSWORD = "password"
    SECRET = "secret"
    STEAM_API_KEY = "steam-api-key"
    API_KEY = "api-key"
    TOKEN = "token"
    WEBHOOK = "webhook"
    BEARER_TOKEN = "bearer-token"
    PRIVATE_KEY = "private-key"
    URL_CREDENTIAL = "url-credential"

    @property
    def noun(self) -> str:
        return _NOUNS[self]


_NOUNS = {
    SecretKind.DATABASE_PASSWORD: "a database password",
    SecretKind.PASSWORD: "a password",
    SecretKind.SECRET: "a secret",
    SecretKind.STEAM_API_KEY: "a Steam Web API key",
    SecretKind.API_KEY: "an API key",
    SecretKind.TOKEN: "an access token",
    SecretKind.WEBHOOK: "a webhook URL with its token",
    SecretKind.BEARER_TOKEN: "an authorization token",
    SecretKind.PRIVATE_KEY: "a private key",
    SecretKind.URL_CREDENTIAL: "a password inside a URL",
}


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """A secret at text[start:end] (character offsets). `reason` says why, without the value."""

    start: int
    end: int
    kind: SecretKind
    reason: str


# -- names: what a variable, define, ConVar or config key holds ------------------------------

_PASSWORD_WORDS = frozenset({"pass", "passwd", "password", "passwort", "pwd", "pw", "passphrase"})
_PASSWORD_COMPOUND = re.compile(r"(db|sql|mysql|rcon|sv|server|admin|root|ftp|user|srv|web)(pass|pwd|pw)")
_DB_WORDS = frozenset({"db", "sql", "mysql", "pgsql", "sqlite", "database", "dbi", "sourcebans", "sb"})
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "web",
        "webapi",
        "steam",
        "auth",
        "access",
        "secret",
        "private",
        "license",
        "encryption",
        "encrypt",
        "crypt",
        "crypto",
        "cipher",
        "aes",
        "hmac",
        "signing",
        "jwt",
        "master",
    }
)
_KEY_COMPOUNDS = tuple(f"{q}key" for q in sorted(_KEY_QUALIFIERS))
# A name with one of these words describes something about a secret, not the secret itself:
# its length, its ConVar, its menu, its sound, its hash...
_NOT_SECRET_WORDS = frozenset(
    """len length size max min maxlen count num number limit attempts attempt tries retries
    timeout time delay interval refill enable enabled disable disabled required require menu
    prompt msg message phrase title hint text help desc description label query column col field
    table file path dir folder cfg config section cvar convar cmd command flag flags mode type
    types hash hashed md5 sha sha1 sha256 crc crc32 checksum digest fingerprint sound snd model
    mdl particle sprite material overlay color colour tag prefix regex pattern format fmt url uri
    endpoint host name var info index idx id pos char chars mask sep separator delim room rooms
    area found kick cache event events bucket buffer patch offset signature sig address addr gamedata
    detour native forward function func""".split()
)
_HASH_WORDS = frozenset(
    {"hash", "hashed", "md5", "sha", "sha1", "sha256", "crc", "crc32", "checksum", "digest", "fingerprint"}
)


def _words(name: str) -> list[str]:
    """`g_sDbPass` -> [g, s, db, pass]; `sm_stats_apikey` -> [sm, stats, apikey]."""
    out: list[str] = []
    for part in re.split(r"[^A-Za-z0-9]+", name):
        for w in re.findall(r"[A-Z]+(?![a-z])\d*|[A-Z]?[a-z]+\d*|\d+", part):
            w = w.lower()
            out.append(w)
            # md5, sha256, crc32 are words; pass2 is also pass
            if w[-1].isdigit() and not w.isdigit():
                out.append(w.rstrip("0123456789"))
    return out


def _is_password_word(word: str) -> bool:
    return word in _PASSWORD_WORDS or word.endswith(("password", "passwd")) or bool(_PASSWORD_COMPOUND.fullmatch(word))


def name_kind(name: str | None) -> SecretKind | None:
    """What kind of secret a variable/define/ConVar/key of this name holds, if any."""
    if not name:
        return None
    words = _words(name)
    if not words or any(w in _NOT_SECRET_WORDS for w in words):
        return None
    if any(_is_password_word(w) for w in words):
        if words == ["pass"] or any(w in _DB_WORDS for w in words):
            return SecretKind.DATABASE_PASSWORD
        return SecretKind.PASSWORD
    for i, w in enumerate(words):
        if w.endswith(_KEY_COMPOUNDS) or (w == "key" and i > 0 and words[i - 1] in _KEY_QUALIFIERS):
            return SecretKind.API_KEY
    if any(w == "secret" or w.endswith("secret") for w in words):
        return SecretKind.SECRET
    if any(w == "token" or w.endswith("token") for w in words):
        return SecretKind.TOKEN
    return None


def _is_hash_name(name: str | None) -> bool:
    return bool(name) and any(w in _HASH_WORDS for w in _words(name or ""))


# -- values: does this look like a real secret, or a placeholder / name / path? -------------

_FORMAT = re.compile(r"%(\d+\$)?[-+ 0#]*(\d+|\*)?(\.\d+)?[sdifcxXbNLtTu]")
_PLACEHOLDER_SHAPES = re.compile(r"[\W_]+|(.)\1{2,}|<[^<>]*>|\[[^\[\]]*\]|\{[^{}]*\}|\$\{?\w+\}?|%\w+%", re.IGNORECASE)
_PLACEHOLDER_VOCABULARY = frozenset(
    """your my the a an db database mysql sql sqlite server rcon sv sm api steam web webapi here
    goes insert enter put paste replace fill secret password passwd pass pwd pw key keys token
    bot apikey change me default example sample dummy test testing placeholder none null nil
    empty undefined todo fixme value string new discord webhook url id user username name auth
    access private info var set not no it this to in of for client app""".split()
)
_BOOLEANISH = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled"})
_FILE_EXTENSIONS = frozenset(
    """mp3 wav ogg mdl vmt vtf vvd phy pcf spr png jpg txt cfg ini sp smx inc phrases json log
    sq sql db sqlite vpk nut bsp nav kv dat res csv xml yml yaml""".split()
)
_COMMAND_OR_CVAR = re.compile(r"(sv|sm|mp|rcon|z|cl|host|net|nb)_[a-z0-9_]+|[+-][a-z_]+")


_LONGEST_WORD = max(map(len, _PLACEHOLDER_VOCABULARY))


@lru_cache(maxsize=4096)
def _only_vocabulary(run: str) -> bool:
    """Whether a lowercase alphanumeric run splits entirely into placeholder words (word break,
    iteratively: linear in the run, whatever its length)."""
    ends = [True] + [False] * len(run)  # ends[i]: run[:i] splits into words
    for i in range(len(run)):
        if ends[i]:
            for size in range(1, min(_LONGEST_WORD, len(run) - i) + 1):
                if run[i : i + size] in _PLACEHOLDER_VOCABULARY:
                    ends[i + size] = True
    return ends[len(run)]


def is_placeholder(value: str) -> bool:
    """`""`, `YOUR_KEY_HERE`, `<api key>`, `changeme`, `xxxx`, `****`, `${DB_PASS}`, `none`..."""
    v = value.strip()
    if not v or _PLACEHOLDER_SHAPES.fullmatch(v) or _low_complexity(v):
        return True
    runs = re.findall(r"[a-z0-9]+", v.lower())
    return all(_only_vocabulary(r) for r in runs)


def _low_complexity(v: str) -> bool:
    """A short unit repeated (`abcabcabc`, `0123456789ABCDEF0123456789ABCDEF`) or a run of
    consecutive characters (`0123456789`, `abcdefgh`): typed to fill a field, not generated."""
    if len(v) < 12:  # `123456` and `abcabc` are (bad) passwords people really use
        return False
    if re.fullmatch(r"(.{1,16}?)\1+", v, re.IGNORECASE | re.DOTALL):
        return True
    steps = {ord(b) - ord(a) for a, b in zip(v.lower(), v.lower()[1:], strict=False)}
    return steps <= {1, -1, 0, ord("a") - ord("9")}


def _looks_like_path(v: str) -> bool:
    if re.fullmatch(r"[\w.\-/\\]+\.([A-Za-z0-9]{2,7})", v) and v.rsplit(".", 1)[1].lower() in _FILE_EXTENSIONS:
        return True
    if v.startswith(("/", "./", "../", "~/")) or re.match(r"[A-Za-z]:\\", v):
        return True
    # models/props/x, data/foo: lowercase words separated by slashes
    return "/" in v and bool(re.fullmatch(r"[a-z0-9_\-.]+(/[a-z0-9_\-.]+)+/?", v))


def _is_text_not_secret(v: str) -> bool:
    """Formats, colour codes, control characters, C++ names: never a credential."""
    return bool(_FORMAT.search(v)) or "{" in v or "\\x" in v or "::" in v or any(ord(c) < 32 for c in v)


def plausible_password(value: str, name: str | None = None) -> bool:
    v = value.strip()
    if not 4 <= len(v) <= 128 or any(c.isspace() for c in v):
        return False
    if _is_text_not_secret(v) or is_placeholder(v) or _looks_like_path(v):
        return False
    if _COMMAND_OR_CVAR.fullmatch(v) or v.lower() in _BOOLEANISH:
        return False
    if re.fullmatch(r"[+-]?\d*\.\d+", v):  # a float setting
        return False
    return not (name and v.lower() == name.lower())


def plausible_token(value: str, min_length: int = 16) -> bool:
    v = value.strip()
    if not min_length <= len(v) <= 4096 or "://" in v:
        return False
    if not re.fullmatch(r"[A-Za-z0-9_\-.:+/=~]+", v):
        return False
    if not (re.search(r"\d", v) and re.search(r"[A-Za-z]", v)) or len(set(v)) < 6:
        return False
    return not (is_placeholder(v) or _looks_like_path(v) or _COMMAND_OR_CVAR.fullmatch(v))


# -- value detectors: secrets recognisable wherever they appear -----------------------------

_HEX32 = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{32}(?![0-9A-Za-z])")
_WEBHOOK = re.compile(
    r"https?://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api(?:/v\d+)?/webhooks/\d{15,22}/[A-Za-z0-9_\-]{40,}"
    r"|https?://hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(r"\b(?:[Bb]earer|BEARER|Bot)\s+([A-Za-z0-9\-._~+/]{20,}=*)")
_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:\\n|\\r|[\s\"']|\.\.\.)*[A-Za-z0-9+/=]{40,}"
    r"(?:(?:\\n|\\r|[\s\"']|\.\.\.)*[A-Za-z0-9+/=]{4,})*"
    r"(?:(?:\\n|\\r|[\s\"']|\.\.\.)*-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?"
)
_URL_PARAM = re.compile(
    r"[?&;](?P<param>key|apikey|api_key|api-key|webkey|steamkey|access_token|auth_token|token|secret"
    r"|client_secret|password|passwd|pass|pwd)=(?P<value>[^&#\s\"'<>\\]*)",
    re.IGNORECASE,
)
_URL_USERINFO = re.compile(r"\b(?P<scheme>[a-z][a-z0-9+.\-]*)://[^\s/:@\"']+:(?P<value>[^\s/@\"']+)@", re.IGNORECASE)
_CONNECTION_PASSWORD = re.compile(
    r"(?:^|[;\s\"'(])(?P<param>password|passwd|pwd|pass)\s*=\s*'?(?P<value>[^;\s\"'&,)]*)", re.IGNORECASE
)
# `pass` is also an English word (`// (pass = projectile)`): only with other connection keys.
_CONNECTION_OTHER_KEYS = re.compile(r"(?i)\b(host|server|user|uid|database|dbname|port)\s*=")
_PASSWORD_COMMAND = re.compile(r"\b(?:rcon_password|sv_password)\s+\\?[\"']?(?P<value>[^\s\"'\\;]+)")
_DB_SCHEMES = frozenset({"mysql", "mariadb", "postgres", "postgresql", "pgsql", "mongodb", "redis", "sqlserver"})


def _value_detections(text: str, context_name: str | None) -> list[tuple[int, int, SecretKind, str]]:
    """(start, end, kind, reason) of every secret recognisable by its shape inside `text`."""
    found: list[tuple[int, int, SecretKind, str]] = []
    for m in _PRIVATE_KEY.finditer(text):
        found.append((m.start(), m.end(), SecretKind.PRIVATE_KEY, "a PEM private key block"))
    for m in _WEBHOOK.finditer(text):
        found.append((m.start(), m.end(), SecretKind.WEBHOOK, "a webhook URL that includes its token"))
    if not _is_hash_name(context_name):
        key_context = name_kind(context_name) in (SecretKind.API_KEY, SecretKind.SECRET, SecretKind.TOKEN)
        for m in _HEX32.finditer(text):
            h = m.group()
            if len(set(h)) < 6 or _low_complexity(h) or not (re.search(r"\d", h) and re.search(r"[A-Fa-f]", h)):
                continue
            # Steam Web API keys are upper-case hex; lower-case 32 hex is usually an MD5 hash.
            if h.isupper() or key_context or text[: m.start()].lower().endswith("key="):
                found.append(
                    (
                        m.start(),
                        m.end(),
                        SecretKind.STEAM_API_KEY,
                        "32 hexadecimal characters, the shape of a Steam Web API key",
                    )
                )
    for m in _AUTH_HEADER.finditer(text):
        if plausible_token(m.group(1), 20):
            found.append((m.start(1), m.end(1), SecretKind.BEARER_TOKEN, "a token after an Authorization scheme"))
    for m in _URL_USERINFO.finditer(text):
        if plausible_password(m.group("value")):
            kind = (
                SecretKind.DATABASE_PASSWORD if m.group("scheme").lower() in _DB_SCHEMES else SecretKind.URL_CREDENTIAL
            )
            found.append((m.start("value"), m.end("value"), kind, f"a password in a {m.group('scheme')}:// URL"))
    for m in _URL_PARAM.finditer(text):
        param, value = m.group("param").lower(), m.group("value")
        if param.startswith("pass") or param == "pwd":
            ok, kind = plausible_password(value), SecretKind.PASSWORD
        else:
            ok = plausible_token(value, 12)
            kind = SecretKind.TOKEN if "token" in param or "secret" in param else SecretKind.API_KEY
        if ok:
            found.append(
                (m.start("value"), m.end("value"), kind, f"a real-looking `{m.group('param')}=` URL parameter")
            )
    for m in _CONNECTION_PASSWORD.finditer(text):
        value, in_connection_string = m.group("value"), bool(_CONNECTION_OTHER_KEYS.search(text))
        if m.group("param").lower() == "pass" and not in_connection_string:
            continue
        if plausible_password(value):
            kind = SecretKind.DATABASE_PASSWORD if in_connection_string else SecretKind.PASSWORD
            found.append((m.start("value"), m.end("value"), kind, f"`{m.group('param')}=` in a connection string"))
    for m in _PASSWORD_COMMAND.finditer(text):
        if plausible_password(m.group("value")):
            found.append((m.start("value"), m.end("value"), SecretKind.PASSWORD, "a server password set by a command"))
    return found


def classify_literal(value: str, context_name: str | None = None) -> SecretKind | None:
    """The kind of secret a string literal holds, or None. `context_name` is what it is stored
    under: the variable, define or ConVar name, or the config/KeyValues key."""
    result = _classified(value, context_name)
    return result[0] if result else None


def _classified(value: str, context_name: str | None) -> tuple[SecretKind, str] | None:
    """The cache is for the short literals seen in file after file; a pasted blob is classified
    without it (16,384 cached entries of a megabyte each would be 16 GB)."""
    if len(value) > _MAX_CACHED_LITERAL:
        return _classify.__wrapped__(value, context_name)
    return _classify(value, context_name)


_MAX_CACHED_LITERAL = 512


@lru_cache(maxsize=16384)
def _classify(value: str, context_name: str | None) -> tuple[SecretKind, str] | None:
    """Pure and called with the same format strings and keys in file after file (and on every
    keystroke in the editor): cached."""
    detections = _value_detections(value, context_name)
    if detections:
        detections.sort(key=lambda d: (d[0], -(d[1] - d[0])))
        return detections[0][2], detections[0][3]
    kind = name_kind(context_name)
    if kind is None:
        return None
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    if kind in (SecretKind.DATABASE_PASSWORD, SecretKind.PASSWORD, SecretKind.SECRET):
        ok = plausible_password(v, context_name)
    else:
        ok = plausible_token(v)
    if not ok:
        return None
    if kind is SecretKind.API_KEY and re.fullmatch(r"[0-9A-Fa-f]{32}", v):
        kind = SecretKind.STEAM_API_KEY
    return kind, f"stored under the name `{context_name}`"


# -- plain text ------------------------------------------------------------------------------

_Q = r'"(?P<value>(?:[^"\\\n]|\\.)*)"'
_PAIR_PATTERNS = [
    # KeyValues: "pass"    "hunter2"
    re.compile(r'"(?P<name>[^"\n]{1,80})"[ \t]+' + _Q),
    # #define DB_PASS "x"
    re.compile(r"^[ \t]*#define[ \t]+(?P<name>\w+)[ \t]+" + _Q, re.MULTILINE),
    # char g_sPass[] = "x";  new String:g_pass[] = "x";  g_sKey = "x"
    re.compile(r"\b(?P<name>[A-Za-z_]\w*)[ \t]*(?:\[[^\]\n]*\][ \t]*)*=[ \t]*" + _Q),
    # kv.SetString("pass", "x");  KvSetString(kv, "pass", "x");  CreateConVar("sm_x_apikey", "x")
    re.compile(
        r"\b\w*(?:SetString|CreateConVar|SetHeader|SetParam|AppendQueryParam|AppendFormParam|SetHTTPRequestGetOrPostParameter"
        r'|SetHTTPRequestHeaderValue)[ \t]*\([ \t]*(?:[\w.]+[ \t]*,[ \t]*)?"(?P<name>[^"\n]{1,80})"[ \t]*,[ \t]*' + _Q
    ),
    # SetConVarString(FindConVar("rcon_password"), "x");  FindConVar("sv_password").SetString("x")
    re.compile(r'FindConVar[ \t]*\([ \t]*"(?P<name>[^"\n]+)"[ \t]*\)[ \t]*(?:,|\.SetString[ \t]*\()[ \t]*' + _Q),
    # strcopy(g_sPass, sizeof(g_sPass), "x")
    re.compile(r"\b(?:strcopy|Format|FormatEx)[ \t]*\([ \t]*(?P<name>\w+)[ \t]*,[^,\n]+,[ \t]*" + _Q + r"[ \t]*\)"),
    # SQL_ConnectEx(driver, host, user, "pass", ...)
    re.compile(
        r'\bSQL_ConnectEx[ \t]*\((?:[ \t]*(?:"[^"\n]*"|[^,"()\n]*(?:\([^()\n]*\))?)[ \t]*,){3}[ \t]*(?P<name>)' + _Q
    ),
    # server.cfg / AutoExecConfig: rcon_password "x", sm_cvar sv_password "x", sm_x_apikey "x"
    re.compile(
        r'^[ \t]*(?:sm_cvar[ \t]+)?(?P<name>[A-Za-z_][\w.\-]*)[ \t]+(?:"(?P<value>[^"\n]*)"|(?P<bare>[^\s"]+))[ \t]*(?://.*)?$',
        re.MULTILINE,
    ),
    # ini / env / yaml: password = x, TOKEN=x, password: "x"
    re.compile(
        r"^[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*"
        # a bare value ending in `;` is a code statement (`x = GetValue();`), not an ini line
        r'(?:"(?P<value>[^"\n]*)"[ \t]*;?|\'(?P<single>[^\'\n]*)\'|(?P<bare>[^\n]*?)(?<!;))[ \t]*$',
        re.MULTILINE,
    ),
]


def _pairs(text: str) -> list[tuple[str, int, int]]:
    """(name, value start, value end) of every `name -> string value` association in the text."""
    pairs = []
    for pattern in _PAIR_PATTERNS:
        for m in pattern.finditer(text):
            group = next(
                (g for g in ("value", "single", "bare") if g in m.groupdict() and m.group(g) is not None), None
            )
            if group is None:
                continue
            name = m.group("name") or "database password"
            pairs.append((name, m.start(group), m.end(group)))
    return pairs


def find_secrets(text: str) -> list[SecretFinding]:
    """Every secret in a text: the value spans of secret `name -> value` pairs (KeyValues, ini,
    env, cvar lines, code assignments and setter calls), then secrets recognisable by shape
    anywhere else (Steam keys, webhooks, bearer tokens, private keys, URL credentials)."""
    findings: list[SecretFinding] = []
    covered: list[tuple[int, int]] = []
    for name, start, end in _pairs(text):
        covered.append((start, end))
        result = _classified(text[start:end], name)
        if result:
            findings.append(SecretFinding(start, end, result[0], result[1]))
    for start, end, kind, reason in _value_detections(text, None):
        if not any(s <= start and end <= e for s, e in covered):
            findings.append(SecretFinding(start, end, kind, reason))
    return _without_overlaps(findings)


def _without_overlaps(findings: list[SecretFinding]) -> list[SecretFinding]:
    """Keep the widest finding where several overlap."""
    kept: list[SecretFinding] = []
    for f in sorted(findings, key=lambda f: (f.start, -(f.end - f.start))):
        if kept and f.start < kept[-1].end:
            continue
        kept.append(f)
    return kept
