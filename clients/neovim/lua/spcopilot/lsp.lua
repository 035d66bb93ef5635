-- The differences between Neovim 0.7 and 0.11 in one place: starting and finding the client,
-- requests (0.11 wants `client:request`, 0.7 has only `client.request`), positions.
local M = {}

local NAME = "spcopilot"
local has_011 = vim.fn.has("nvim-0.11") == 1
local roots = {} -- 0.7: root_dir -> client id

local pending = 0 -- requests to the model in flight (for the statusline)

function M.busy()
  return pending > 0
end

local function is_stopped(client)
  if has_011 then
    return client:is_stopped()
  end
  return client.is_stopped()
end

--- All running spcopilot clients.
function M.clients(bufnr)
  local all
  if vim.lsp.get_clients then
    all = vim.lsp.get_clients({ name = NAME, bufnr = bufnr })
  else
    all = bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients()
  end
  local out = {}
  for _, client in pairs(all) do
    if client.name == NAME and not is_stopped(client) then
      table.insert(out, client)
    end
  end
  return out
end

--- The spcopilot client attached to `bufnr`, if any.
function M.client(bufnr)
  return M.clients(bufnr or vim.api.nvim_get_current_buf())[1]
end

function M.request(client, method, params, handler, bufnr)
  if has_011 then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

function M.notify(client, method, params)
  if has_011 then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel(client, id)
  if has_011 then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

--- A request to the model: counted as busy until it answers.
function M.model_request(client, method, params, handler, bufnr)
  pending = pending + 1
  local done = false
  local function finish()
    if not done then
      done = true
      pending = pending - 1
    end
  end
  local ok, id = M.request(client, method, params, function(err, result, ctx)
    finish()
    handler(err, result, ctx)
  end, bufnr)
  if not ok then
    finish()
  end
  return ok, id, finish
end

--- Start the server for `bufnr`, or attach the one already running for the same root.
function M.start(config, bufnr)
  if vim.lsp.start then
    return vim.lsp.start(config, { bufnr = bufnr })
  end
  local id = roots[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or is_stopped(client) then
    id = vim.lsp.start_client(config)
    if not id then
      return nil
    end
    roots[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

function M.stop_all(callback)
  local clients = M.clients()
  for _, client in ipairs(clients) do
    if has_011 then
      client:stop()
    else
      client.stop()
    end
  end
  roots = {}
  local waited = vim.wait(5000, function()
    return #M.clients() == 0
  end, 50)
  if not waited then
    for _, client in ipairs(M.clients()) do
      if has_011 then
        client:stop(true)
      else
        client.stop(true)
      end
    end
  end
  if callback then
    callback()
  end
end

--- The position under the cursor in the client's encoding (make_position_params' shape).
function M.position_params(client, win)
  return vim.lsp.util.make_position_params(win or 0, client.offset_encoding)
end

--- The byte column of LSP `character` in `line`, for the client's encoding.
function M.byte_col(line, character, encoding)
  if encoding == "utf-8" then
    return math.min(character, #line)
  end
  if has_011 then
    local ok, col = pcall(vim.str_byteindex, line, encoding, character, false)
    if ok then
      return col
    end
    return #line
  end
  local ok, col = pcall(vim.str_byteindex, line, character, encoding == "utf-16")
  if ok then
    return col
  end
  return #line
end

--- The LSP character of byte column `col` in `line`, for the client's encoding.
function M.character(line, col, encoding)
  if encoding == "utf-8" then
    return col
  end
  if has_011 then
    return vim.str_utfindex(line, encoding, col, false)
  end
  local utf32, utf16 = vim.str_utfindex(line, col)
  return encoding == "utf-16" and utf16 or utf32
end

-- Files created by the server's edits (Generate plugin), to open once applied.
local created = {}

function M.take_created()
  local out = created
  created = {}
  return out
end

--- Handlers for this client: applyEdit remembers the files an edit creates.
--- What the client can do: Neovim's own capabilities, and on 0.11 (which pulls diagnostics but
--- does not answer workspace/diagnostic/refresh) the refresh this plugin answers itself, so that
--- diagnostics that change without an edit (a runtime error logged, a compile) show at once.
function M.capabilities()
  local caps = vim.lsp.protocol.make_client_capabilities()
  if has_011 then
    caps.workspace = caps.workspace or {}
    caps.workspace.diagnostics = { refreshSupport = true }
  end
  return caps
end

--- workspace/diagnostic/refresh: pull the diagnostics of every buffer the client is attached to.
local function refresh_diagnostics(_, _, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if client and has_011 then
    for bufnr in pairs(client.attached_buffers or {}) do
      local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
      client:request("textDocument/diagnostic", params, vim.lsp.diagnostic.on_diagnostic, bufnr)
    end
  end
  return vim.NIL
end

function M.handlers()
  return {
    ["workspace/diagnostic/refresh"] = refresh_diagnostics,
    ["workspace/applyEdit"] = function(err, params, ctx, config)
      local result = vim.lsp.handlers["workspace/applyEdit"](err, params, ctx, config)
      if result and result.applied and params and params.edit and params.edit.documentChanges then
        for _, change in ipairs(params.edit.documentChanges) do
          if change.kind == "create" and change.uri then
            table.insert(created, change.uri)
          end
        end
      end
      return result
    end,
  }
end

return M
