// SourcePawn syntax highlighting for the playground: a small tokenizer (comments, strings,
// characters, preprocessor directives, numbers, keywords, types, constants, calls) and HTML
// rendering by line, so lines can carry a class (a diagnostic's severity). Written for this
// page; no dependencies.

const KEYWORDS = new Set(
  (
    "if else for while do switch case default break continue return new delete sizeof view_as " +
    "public stock static const native forward methodmap property enum struct typedef typeset " +
    "funcenum functag decl this null true false get set function using"
  ).split(" "),
);

const TYPES = new Set(
  (
    "void int float bool char any Handle Action ConVar Event ArrayList StringMap StringMapSnapshot " +
    "DataPack KeyValues Menu Panel Database DBResultSet DBStatement Transaction File DirectoryListing " +
    "Timer Plugin Address EventHook Regex GlobalForward PrivateForward SMCParser Protobuf BfRead BfWrite " +
    "TopMenu AdminId GroupId MenuAction MenuHandler ConVarHandler DBPriority PropType PropFieldType " +
    "RenderMode RenderFx MoveType SDKHookType ReplySource TFClassType L4D2WeaponId"
  ).split(" "),
);

// [class, sticky pattern], tried in order at each position.
const RULES = [
  ["comment", /\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$)/y],
  ["preproc", /#[ \t]*(?:include|tryinclude|define|undef|if|elseif|else|endif|pragma|error|warning|assert|endinput|file|line)\b/y],
  ["string", /"(?:[^"\\\n]|\\.)*"?/y],
  ["string", /'(?:[^'\\\n]|\\.)*'?/y],
  ["number", /(?:0x[0-9a-fA-F_]+|0b[01_]+|0o[0-7_]+|\d[\d_]*(?:\.\d[\d_]*)?(?:e[+-]?\d+)?)\b/y],
  ["word", /[A-Za-z_][A-Za-z0-9_]*/y],
  ["space", /\s+/y],
  ["punct", /[\s\S]/y],
];
const INCLUDE_PATH = /[ \t]*<[^>\n]*>?/y;
const CALL_AFTER = /\s*\(/y;

function wordClass(word, source, end) {
  if (KEYWORDS.has(word)) return "keyword";
  if (TYPES.has(word)) return "type";
  if (/^[A-Z][A-Z0-9_]{2,}$/.test(word) || /^(?:Plugin|Prop|Timer|EventHookMode|FCVAR|ADMFLAG)_/.test(word)) {
    return "constant";
  }
  CALL_AFTER.lastIndex = end;
  return CALL_AFTER.test(source) ? "function" : "name";
}

/** The tokens of `source`: [{type, text}], their texts concatenated give `source` back. */
export function tokenize(source) {
  const tokens = [];
  let at = 0;
  let afterInclude = false;
  while (at < source.length) {
    if (afterInclude) {
      afterInclude = false;
      INCLUDE_PATH.lastIndex = at;
      const path = INCLUDE_PATH.exec(source);
      if (path) {
        tokens.push({ type: "string", text: path[0] });
        at = INCLUDE_PATH.lastIndex;
        continue;
      }
    }
    for (const [type, pattern] of RULES) {
      pattern.lastIndex = at;
      const match = pattern.exec(source);
      if (!match || match[0] === "") continue;
      const text = match[0];
      const kind = type === "word" ? wordClass(text, source, at + text.length) : type;
      tokens.push({ type: kind, text });
      afterInclude = type === "preproc" && /include$/.test(text);
      at += text.length;
      break;
    }
  }
  return tokens;
}

export function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

/** HTML for `source`, one `<span class="line …">` per line (shown as blocks, so a line's class
 * can colour its whole width); `lineClass(n)` (0-based) adds a class to a line. Tokens that span
 * lines (block comments) are split at each newline. */
export function highlightLines(source, lineClass = () => "") {
  const lines = [[]];
  for (const token of tokenize(source)) {
    const parts = token.text.split("\n");
    parts.forEach((part, i) => {
      if (i > 0) lines.push([]);
      if (part === "") return;
      const html = escapeHtml(part);
      const plain = token.type === "space" || token.type === "punct" || token.type === "name";
      lines[lines.length - 1].push(plain ? html : `<span class="tok-${token.type}">${html}</span>`);
    });
  }
  return lines
    .map((parts, n) => {
      const extra = lineClass(n);
      return `<span class="line${extra ? ` ${extra}` : ""}">${parts.join("")}</span>`;
    })
    .join("");
}
