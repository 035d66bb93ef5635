-- User commands: the server's workspace/executeCommand commands (generate, explain, fix) and
-- the plugin's own (suggestions, restart, log).
local lsp = require("spcopilot.lsp")

local M = {}

local FIX_ALL_KIND = "source.fixAll.spcopilot"
local running = nil -- the generation request in flight: { client, id, finish }

local function notify(message, level)
  vim.notify("spcopilot: " .. message, level or vim.log.levels.INFO)
end

local function not_supported(err)
  local message = tostring(err and err.message or "")
  return err
    and (
      err.code == -32601
      or message:lower():find("method not found", 1, true)
      or message:lower():find("unknown command", 1, true)
    )
end

local function client_or_warn(buf)
  local client = lsp.client(buf)
  if not client then
    notify("the server is not attached to this buffer (is it a .sp/.inc file?)", vim.log.levels.WARN)
  end
  return client
end

--- Run a server command with one argument; `on_result(result, client)` on success.
local function execute(command, argument, title, on_result, on_error)
  local buf = vim.api.nvim_get_current_buf()
  local client = client_or_warn(buf)
  if not client then
    return
  end
  if running then
    notify("still working on the previous request (:SpcopilotCancel stops it)", vim.log.levels.WARN)
    return
  end
  notify(title .. "…")
  local ok, id, finish = lsp.model_request(
    client,
    "workspace/executeCommand",
    { command = command, arguments = { argument } },
    function(err, result)
      running = nil
      if err then
        if on_error and on_error(err, client) then
          return
        end
        notify(tostring(err.message or vim.inspect(err)), vim.log.levels.ERROR)
        return
      end
      on_result(result, client)
    end,
    buf
  )
  if ok then
    running = { client = client, id = id, finish = finish }
  end
end

--- Open what Generate plugin made: the files its edit created, or, when the server could not
--- apply an edit (the client does not take document changes), a new buffer with the code.
local function open_generated(result)
  local uris = lsp.take_created()
  local uri = type(result) == "table" and result.uri or (type(result) == "string" and result or nil)
  if type(uri) == "string" and uri:match("^%a[%w+.-]*:") then
    table.insert(uris, uri)
  end
  local seen = {}
  for _, each in ipairs(uris) do
    if not seen[each] then
      seen[each] = true
      local fname = vim.uri_to_fname(each)
      local exists = vim.loop.fs_stat(fname) ~= nil
      vim.cmd("edit " .. vim.fn.fnameescape(fname))
      local buf = vim.api.nvim_get_current_buf()
      local empty = vim.api.nvim_buf_line_count(buf) == 1 and vim.api.nvim_buf_get_lines(buf, 0, 1, false)[1] == ""
      if type(result) == "table" and result.applied == false and type(result.text) == "string" and empty then
        local code = result.text:gsub("\n$", "")
        vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(code, "\n", { plain = true }))
        notify(string.format("%s is not saved yet (:write)", vim.fn.fnamemodify(fname, ":~:.")))
      elseif not exists and empty then
        notify("the server returned no code", vim.log.levels.WARN)
      end
    end
  end
end

--- Whether a generation request is running.
function M.running()
  return running ~= nil
end

function M.generate_plugin(prompt)
  local function run(text)
    if not text or vim.trim(text) == "" then
      return
    end
    lsp.take_created()
    execute("spcopilot.generatePlugin", { prompt = vim.trim(text) }, "generating a plugin", function(result)
      open_generated(result)
    end)
  end
  if prompt and prompt ~= "" then
    run(prompt)
  else
    vim.ui.input({ prompt = "Describe the plugin: " }, run)
  end
end

function M.generate_at_cursor(instruction)
  local client = client_or_warn(0)
  if not client then
    return
  end
  local params = lsp.position_params(client, 0)
  local argument = { uri = params.textDocument.uri, position = params.position }
  if instruction and vim.trim(instruction) ~= "" then
    argument.instruction = vim.trim(instruction)
  end
  execute("spcopilot.generateAtCursor", argument, "generating", function() end)
end

local function show_markdown(text)
  vim.cmd("botright new")
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].buftype = "nofile"
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, "\n", { plain = true }))
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, "spcopilot://explanation")
end

function M.explain(line1, line2)
  local client = client_or_warn(0)
  if not client then
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  local last = vim.api.nvim_buf_get_lines(buf, line2 - 1, line2, false)[1] or ""
  local range = {
    start = { line = line1 - 1, character = 0 },
    ["end"] = { line = line2 - 1, character = lsp.character(last, #last, client.offset_encoding) },
  }
  execute(
    "spcopilot.explain",
    { uri = vim.uri_from_bufnr(buf), range = range },
    "explaining",
    function(result)
      local text = type(result) == "string" and result
        or (type(result) == "table" and (result.markdown or result.value))
        or nil
      if not text or text == "" then
        notify("no explanation came back", vim.log.levels.WARN)
        return
      end
      show_markdown(text)
    end
  )
end

local function apply_edit(edit, client)
  if type(edit) == "table" and (edit.changes or edit.documentChanges) then
    vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
    return true
  end
  return false
end

--- Every safe fix of the buffer (the server's spcopilot.fixAll, or the same code action).
function M.fix_all()
  local buf = vim.api.nvim_get_current_buf()
  local uri = vim.uri_from_bufnr(buf)
  local function code_action_fallback(client)
    local last = vim.api.nvim_buf_line_count(buf)
    local params = {
      textDocument = { uri = uri },
      range = { start = { line = 0, character = 0 }, ["end"] = { line = last, character = 0 } },
      context = { diagnostics = {}, only = { FIX_ALL_KIND } },
    }
    lsp.request(client, "textDocument/codeAction", params, function(err, actions)
      if err then
        notify(tostring(err.message), vim.log.levels.ERROR)
        return
      end
      for _, action in ipairs(actions or {}) do
        if action.kind == FIX_ALL_KIND and apply_edit(action.edit, client) then
          return
        end
      end
      notify("no safe fixes to apply")
    end, buf)
  end
  execute("spcopilot.fixAll", { uri = uri }, "fixing", function(result, client)
    apply_edit(result, client) -- else the server applied it (workspace/applyEdit)
  end, function(err, client)
    if not_supported(err) then
      code_action_fallback(client)
      return true
    end
    return false
  end)
end

--- The LSP diagnostics on the cursor line (as the server sent them).
local function line_diagnostics(buf, row)
  if vim.fn.has("nvim-0.10") == 1 then
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf, { lnum = row })) do
      local original = d.user_data and d.user_data.lsp
      if original then
        table.insert(out, original)
      end
    end
    return out
  end
  return vim.lsp.diagnostic.get_line_diagnostics(buf, row)
end

function M.fix_with_model()
  local buf = vim.api.nvim_get_current_buf()
  local row = vim.api.nvim_win_get_cursor(0)[1] - 1
  local diagnostic = line_diagnostics(buf, row)[1]
  if not diagnostic then
    notify("no diagnostic on this line", vim.log.levels.WARN)
    return
  end
  execute(
    "spcopilot.fixWithModel",
    { uri = vim.uri_from_bufnr(buf), diagnostic = diagnostic },
    "fixing with the model",
    function(result, client)
      apply_edit(result, client)
    end
  )
end

function M.cancel()
  if running then
    pcall(lsp.cancel, running.client, running.id)
    running.finish()
    running = nil
    notify("cancelled")
  end
end

function M.open_log()
  vim.cmd("split " .. vim.fn.fnameescape(vim.lsp.get_log_path()))
end

function M.register()
  local command = vim.api.nvim_create_user_command
  local spcopilot = require("spcopilot")
  command("SpcopilotGeneratePlugin", function(a)
    M.generate_plugin(a.args)
  end, { nargs = "*", desc = "Generate a SourceMod plugin from a description" })
  command("SpcopilotGenerate", function(a)
    M.generate_at_cursor(a.args)
  end, { nargs = "*", desc = "Generate code at the cursor (optional instruction)" })
  command("SpcopilotExplain", function(a)
    M.explain(a.line1, a.line2)
  end, { range = true, desc = "Explain the selected lines" })
  command("SpcopilotFixAll", M.fix_all, { desc = "Apply every safe fix of the buffer" })
  command("SpcopilotFixWithModel", M.fix_with_model, { desc = "Let the model fix the diagnostic on this line" })
  command("SpcopilotCancel", M.cancel, { desc = "Stop the running generation" })
  command("SpcopilotSuggest", spcopilot.suggest, { desc = "Ask for an inline suggestion at the cursor" })
  command("SpcopilotAccept", spcopilot.accept, { desc = "Accept the inline suggestion" })
  command("SpcopilotDismiss", spcopilot.dismiss, { desc = "Dismiss the inline suggestion" })
  command("SpcopilotRestart", spcopilot.restart, { desc = "Restart the language server" })
  command("SpcopilotLog", M.open_log, { desc = "Open the LSP log" })
  command("SpcopilotStatus", function()
    print(spcopilot.status())
  end, { desc = "Backend, model and state" })
end

return M
