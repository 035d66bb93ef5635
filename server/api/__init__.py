"""The REST API and the web playground: `spcopilot api` serves, with FastAPI on uvicorn, the
runtime the language server uses (the copilot service with its backend, ledger and guard, and
the engine) to tools and people without an editor.

    GET  /health                 backend, model, knowledge, session cost, limits
    POST /v1/check               code -> diagnostics and fixes (no model)
    POST /v1/complete            an instruction, or code around a cursor -> guarded code
    POST /v1/generate-plugin     an instruction -> a whole guarded plugin
    POST /v1/chat/completions    OpenAI-compatible chat (streaming with SSE)
    GET  /                       the playground (static files in playground/)
    GET  /openapi.json           the schema

Layout: `app.create_app` wires thin routes (routes/) over plain functions (checking.py,
completion.py, chat.py, answers.py) that know nothing of HTTP; `runtime.ApiRuntime` holds what
the requests share; security.py, limits.py and errors.py are the edges every request passes.
FastAPI and uvicorn are imported only when the command runs (the `api` extra).
"""
