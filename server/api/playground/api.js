// Talking to the server that serves the page: JSON in and out, the bearer token when the server
// wants one (kept in this tab's session storage), errors as exceptions with the server's message.
const TOKEN_KEY = "spcopilot-api-token";
let token = sessionStorage.getItem(TOKEN_KEY) || "";
let onUnauthorized = () => {};

export class ApiError extends Error {}

export function useToken(value) {
  token = value;
  sessionStorage.setItem(TOKEN_KEY, value);
}

/** `callback()` runs when the server answers 401 (the page then asks for the token). */
export function whenUnauthorized(callback) {
  onUnauthorized = callback;
}

/** The response of GET `path` (no `body`) or POST `body` as JSON; throws ApiError unless 2xx. */
export async function api(path, body, signal) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.ok) return response;
  let message = `HTTP ${response.status}`;
  try {
    message = (await response.json()).error.message || message;
  } catch {
    // not our JSON error: keep the status
  }
  if (response.status === 401) onUnauthorized();
  throw new ApiError(message);
}

export async function apiJson(path, body) {
  return (await api(path, body)).json();
}

/** The `data:` payloads of a server-sent-events response, parsed, until `[DONE]`. */
export async function* serverEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6);
        if (data === "[DONE]") return;
        yield JSON.parse(data);
      }
    }
  }
}
