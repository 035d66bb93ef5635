"""The request and response bodies, as pydantic models: FastAPI validates requests with them and
/openapi.json is generated from them. The shapes of diagnostics and guard reports are the
engine's own JSON (`Diagnostic.to_json`, `GuardResult.to_json`, as `spcopilot check --format
json` prints them); the chat models follow OpenAI's chat-completions API."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

# The schema's ceiling for max_tokens; the server's own limit (`--max-tokens-limit`, at most
# this) is checked by the route, which answers 400 with the limit in the message.
MAX_TOKENS_CEILING = 131_072


def _encodable(text: str) -> str:
    """JSON can carry lone UTF-16 surrogates (`"\\ud800"`) that are no text at all: refused."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("not valid Unicode text (it holds a lone surrogate)") from None
    return text


Text = Annotated[str, AfterValidator(_encodable)]
# (length constraints before the validator, so they are the string's own: clearer messages)
Instruction = Annotated[str, Field(min_length=1), AfterValidator(_encodable)]
FileName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=255,
        description="The file's name, for game detection and messages (folders are ignored: "
        "includes are looked up as for a file in the server's working folder)",
    ),
    AfterValidator(_encodable),
]


def _json_integer(value: object) -> object:
    """JSON Schema counts 2.0 as an integer; strict validation would not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


MaxTokens = Annotated[
    int, Field(ge=1, le=MAX_TOKENS_CEILING, description="Longest answer, in tokens"), BeforeValidator(_json_integer)
]


class Request(BaseModel):
    """A request body: JSON's own types only (`0` is no boolean, `"12"` no number)."""

    model_config = ConfigDict(strict=True)


class ClosedRequest(Request):
    """A request body of our own API: an unknown field is an error (a typo would go unnoticed)."""

    model_config = ConfigDict(strict=True, extra="forbid")


# -- errors --------------------------------------------------------------------------------------
class ErrorDetail(BaseModel):
    message: str
    type: str
    code: str | None = None
    param: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


# -- the engine's JSON ---------------------------------------------------------------------------
class Position(BaseModel):
    line: int = Field(description="0-based")
    character: int = Field(description="0-based, in UTF-16 code units (as LSP)")


class Range(BaseModel):
    start: Position
    end: Position


class TextEdit(BaseModel):
    range: Range
    new_text: str


class Fix(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str
    applicability: Literal["safe", "unsafe"]
    edits: list[TextEdit]


class Diagnostic(BaseModel):
    """One finding, exactly as `spcopilot check --format json` prints it."""

    model_config = ConfigDict(extra="allow")
    path: str
    code: str = Field(examples=["SPC201"])
    rule: str = Field(examples=["misnamed-event"])
    severity: Literal["error", "warning", "info", "hint"]
    message: str
    range: Range
    fix: Fix | None


class SyntaxProblem(BaseModel):
    line: int
    character: int
    message: str


class FixedFinding(BaseModel):
    code: str
    message: str
    change: str = Field("", description="what the fix did (its title)")
    unsafe: bool = Field(False, description="an unsafe fix (applied to generated code only): review it")


class GuardReport(BaseModel):
    """What the guard did to the model's code: the engine's fixes (unsafe ones too: generated code
    is not yet the user's; each is listed), an optional repair round by the model, and what is
    left. (Fields the guard adds later pass through.)"""

    model_config = ConfigDict(extra="allow")
    clean: bool = Field(description="no syntax error and no error-severity finding left")
    remaining: list[Diagnostic]
    fixed: list[FixedFinding] = Field(description="findings the guard repaired")
    syntax: list[SyntaxProblem]
    repaired_by_model: bool


class TokenUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int


class CodeAnswer(BaseModel):
    """Guarded code from the model, with what it cost."""

    code: str
    guard: GuardReport
    usage: TokenUsage
    cost_usd: float
    cost: str = Field(description="one line: tokens and money")
    model: str
    finish_reason: str = Field(description='"stop", "length" (max_tokens reached) or "time"')


# -- /health -------------------------------------------------------------------------------------
class Session(BaseModel):
    requests: int
    prompt_tokens: int
    completion_tokens: int
    usd: float
    complete_pricing: bool


class LimitsInfo(BaseModel):
    max_body_bytes: int
    max_tokens: int
    concurrent_per_client: int
    timeout_s: float
    check_timeout_s: float


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    backend: str
    model: str
    loaded: dict[str, str | int | float | bool | None] = Field(description="what the loaded backend reports")
    knowledge: dict[str, int | str]
    session: Session = Field(description="tokens and money spent since the server started")
    limits: LimitsInfo
    auth: bool = Field(description="whether requests need `Authorization: Bearer <token>`")


# -- /v1/check -----------------------------------------------------------------------------------
class CheckRequest(ClosedRequest):
    code: Text = Field(description="the SourcePawn source (or a config file's text, with a config file name)")
    path: FileName = "plugin.sp"
    fix: bool = Field(False, description="apply the safe fixes until stable and return the fixed code")
    unsafe_fixes: bool = Field(False, description="with `fix`, apply unsafe fixes too")


class SeverityCounts(BaseModel):
    error: int
    warning: int
    info: int
    hint: int


class CheckResponse(BaseModel):
    diagnostics: list[Diagnostic] = Field(description="of `fixed_code` when `fix` was asked, else of `code`")
    counts: SeverityCounts
    fixed_code: str | None = Field(description="the code with the fixes applied (only with `fix`)")
    fixed: list[FixedFinding] = Field(description="the findings the fixes repaired (only with `fix`)")


# -- /v1/complete --------------------------------------------------------------------------------
class CompleteRequest(ClosedRequest):
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["prompt"], "properties": {"prompt": {"type": "string"}}},
                {"required": ["prefix"], "properties": {"prefix": {"type": "string"}}},
            ]
        }
    )
    prompt: Instruction | None = Field(None, description="what to write, in words")
    prefix: Text | None = Field(None, description="the code before the cursor")
    suffix: Text = Field("", description="the code after the cursor")
    path: FileName = "plugin.sp"
    max_tokens: MaxTokens | None = Field(
        None, description="longest answer (default: the server's `max-tokens`; code filled in at a "
        "cursor without a prompt uses `inline-max-tokens`, as in the editor)"
    )  # fmt: skip

    @model_validator(mode="after")
    def _something_to_do(self) -> CompleteRequest:
        if self.prompt is None and self.prefix is None:
            raise ValueError("give a `prompt`, or the code around the cursor as `prefix` (and `suffix`)")
        return self


class CompleteResponse(CodeAnswer):
    mode: Literal["instruction", "fill", "at_cursor"] = Field(
        description="instruction: `prompt` alone; fill: `prefix`/`suffix` through the editor's inline "
        "completion (fill-in-the-middle); at_cursor: `prompt` with `prefix`/`suffix`"
    )
    cached: bool = Field(description="fill mode: served from the suggestion cache")
    note: str = Field(description="why `code` is empty, when it is")


# -- /v1/generate-plugin -------------------------------------------------------------------------
class GeneratePluginRequest(ClosedRequest):
    prompt: Instruction = Field(description="what the plugin should do")
    path: FileName = "plugin.sp"
    repair: bool | None = Field(
        None, description="let the model repair what the engine cannot fix (default: the server's setting)"
    )
    max_tokens: MaxTokens | None = None


class GeneratePluginResponse(CodeAnswer):
    pass


# -- /v1/chat/completions (OpenAI) ---------------------------------------------------------------
class ContentPart(Request):
    type: Literal["text"]
    text: Text


class ChatMessage(Request):
    role: Literal["system", "developer", "user", "assistant"]
    content: Text | list[ContentPart] | None = None
    name: str | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "".join(part.text for part in self.content)
        return self.content or ""


class StreamOptions(Request):
    include_usage: bool = False


class ChatCompletionRequest(Request):
    """OpenAI's request; fields this server does not use (tools, logprobs, ...) are ignored."""

    model: str = Field("", description="ignored: the server answers with its configured model (see `model` in the answer)")  # fmt: skip
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None
    max_tokens: MaxTokens | None = None
    max_completion_tokens: MaxTokens | None = None
    temperature: float | None = Field(None, ge=0, le=2)
    stop: Text | list[Text] | None = None
    n: int = Field(1, ge=1, le=1, description="only 1")

    def stops(self) -> tuple[str, ...]:
        if self.stop is None:
            return ()
        return (self.stop,) if isinstance(self.stop, str) else tuple(self.stop)


class AssistantMessage(BaseModel):
    role: Literal["assistant"]
    content: str


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: Literal["stop", "length"]
    logprobs: None = None


class ChatUsage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatExtension(BaseModel):
    """Not in OpenAI's API (its SDKs keep unknown fields): what the guard did to each SourcePawn
    code block of the answer, and the cost."""

    guard: list[GuardReport]
    cost_usd: float
    cost: str


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"]
    created: int
    model: str
    choices: list[ChatChoice]
    usage: ChatUsage
    spcopilot: ChatExtension


class ChunkDelta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int
    delta: ChunkDelta
    finish_reason: Literal["stop", "length"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    """One `data:` line of a streamed answer."""

    id: str
    object: Literal["chat.completion.chunk"]
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: ChatUsage | None = None
    spcopilot: ChatExtension | None = None
