-- AI suggestions as ghost text: `spcopilot/inlineCompletion` (LSP 3.18 InlineCompletionParams)
-- asked while typing (debounced) or on a key, shown with extmarks (virtual text on the cursor
-- line, virtual lines below), accepted whole or word by word, or dismissed. Acceptance runs the
-- item's command (`spcopilot.inlineAccepted`); partial accepts and dismissals are reported with
-- `spcopilot/inlineCompletionFeedback`.
--
-- An item's `range` is what accepting replaces: the part before the cursor is what is already
-- typed (a prefix of insertText), the part after it text the suggestion rewrites, such as the
-- `")` an auto-pairs plugin closed after `HookEvent("` (the suggestion `lunge_pounce", E);`
-- then replaces them instead of doubling them).
local lsp = require("spcopilot.lsp")

local M = {}

local METHOD = "spcopilot/inlineCompletion"
local FEEDBACK = "spcopilot/inlineCompletionFeedback"
local ACCEPTED = "spcopilot.inlineAccepted"
local INVOKED, AUTOMATIC = 1, 2

M.ns = vim.api.nvim_create_namespace("spcopilot_inline")

local has_inline_virt_text = vim.fn.has("nvim-0.10") == 1
local UTF8_CHAR = "[%z\1-\127\194-\244][\128-\191]*"
local opts = { enabled = true, debounce_ms = 75, hl_group = "SpcopilotSuggestion", keys = {} }
local state = nil -- the suggestion on screen
local inflight = nil -- { client, id, finish }
local timer = nil
local attached = {}

local function get_line(buf, row)
  return vim.api.nvim_buf_get_lines(buf, row, row + 1, false)[1] or ""
end

local function cursor()
  local pos = vim.api.nvim_win_get_cursor(0)
  return pos[1] - 1, pos[2]
end

--- Whether the suggestion still belongs where it was shown (same buffer, text and cursor).
local function valid(s)
  if not s or vim.api.nvim_get_current_buf() ~= s.buf or not vim.api.nvim_buf_is_valid(s.buf) then
    return false
  end
  local row, col = cursor()
  return vim.api.nvim_buf_get_changedtick(s.buf) == s.tick and row == s.row and col == s.col
end

local function clear()
  if state and vim.api.nvim_buf_is_valid(state.buf) then
    vim.api.nvim_buf_clear_namespace(state.buf, M.ns, 0, -1)
  end
  state = nil
end

local function cancel_inflight()
  if inflight then
    pcall(lsp.cancel, inflight.client, inflight.id)
    inflight.finish()
    inflight = nil
  end
end

local function send_feedback(s, kind, extra)
  local client = s and s.id and vim.lsp.get_client_by_id(s.client_id)
  if client then
    lsp.notify(client, FEEDBACK, vim.tbl_extend("force", { id = s.id, kind = kind }, extra or {}))
  end
end

--- Draw `s.remainder` at the cursor: the first line as virtual text, the others as virtual lines.
local function render(s)
  vim.api.nvim_buf_clear_namespace(s.buf, M.ns, 0, -1)
  local lines = vim.split(s.remainder, "\n", { plain = true })
  local line = get_line(s.buf, s.row)
  local mark = { virt_text = { { lines[1], opts.hl_group } }, hl_mode = "combine" }
  if s.col >= #line then
    mark.virt_text_pos = "overlay" -- at the end of the line nothing is covered
  elseif s.end_col > s.col and not line:find("%S", s.end_col + 1) then
    -- The rest of the line is what accepting replaces (the auto-closed `")`): the suggestion is
    -- drawn over it, the line as it will read (padded, should the suggestion be shorter).
    mark.virt_text_pos = "overlay"
    local before = vim.fn.strdisplaywidth(line:sub(1, s.col))
    local pad = vim.fn.strdisplaywidth(line:sub(s.col + 1), before) - vim.fn.strdisplaywidth(lines[1], before)
    if pad > 0 then
      mark.virt_text[1][1] = lines[1] .. string.rep(" ", pad)
    end
  elseif has_inline_virt_text then
    mark.virt_text_pos = "inline"
  else
    mark.virt_text_pos = "eol" -- 0.7-0.9 cannot push text aside: show it after the line
  end
  if #lines > 1 then
    mark.virt_lines = {}
    for i = 2, #lines do
      table.insert(mark.virt_lines, { { lines[i], opts.hl_group } })
    end
  end
  vim.api.nvim_buf_set_extmark(s.buf, M.ns, s.row, s.col, mark)
end

local function item_text(item)
  local text = item.insertText
  if type(text) == "table" then
    text = text.value -- StringValue (snippet): shown and inserted as plain text
  end
  return type(text) == "string" and text or nil
end

local function item_id(item)
  local args = item.command and item.command.arguments
  local first = type(args) == "table" and args[1] or nil
  if type(first) == "table" and first.id ~= nil then
    return first.id
  end
  return nil
end

--- The first item that continues what is typed: its range (if any) must be on the cursor line,
--- start at or before the cursor and end at or after it, and its text begin with what is already
--- typed there (the range's text after the cursor is replaced: auto-closed `")`).
local function pick(buf, client, result, row, col)
  local items = {}
  if type(result) == "table" then
    local islist = vim.islist or vim.tbl_islist
    items = result.items or (islist(result) and result) or {}
  end
  local line = get_line(buf, row)
  for _, item in ipairs(items) do
    local text = item_text(item)
    if text and text ~= "" then
      local start_col, end_col = col, col
      local ok = true
      if item.range then
        local enc = client.offset_encoding
        ok = item.range.start.line == row and item.range["end"].line == row
        start_col = lsp.byte_col(line, item.range.start.character, enc)
        end_col = lsp.byte_col(line, item.range["end"].character, enc)
        ok = ok and start_col <= col and end_col >= col
      end
      local typed = line:sub(start_col + 1, col)
      local replaced = line:sub(start_col + 1, end_col)
      if ok and text:sub(1, #typed) == typed and #text > #typed and text ~= replaced then
        return {
          item = item,
          id = item_id(item),
          insert_text = text,
          remainder = text:sub(#typed + 1),
          start_col = start_col,
          end_col = end_col,
          accepted = vim.fn.strchars(typed),
        }
      end
    end
  end
  return nil
end

--- Ask for a suggestion at the cursor (`kind` 1: invoked by the user, 2: automatic).
function M.request(kind)
  kind = kind or INVOKED
  local buf = vim.api.nvim_get_current_buf()
  local client = lsp.client(buf)
  if not client then
    if kind == INVOKED then
      vim.notify("spcopilot: the server is not attached to this buffer", vim.log.levels.WARN)
    end
    return false
  end
  cancel_inflight()
  local row, col = cursor()
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local params = lsp.position_params(client, 0)
  params.context = { triggerKind = kind }
  local request_id
  local ok, id, finish = lsp.model_request(client, METHOD, params, function(err, result)
    if inflight and inflight.id == request_id then
      inflight = nil
    end
    if err then
      if kind == INVOKED then
        vim.notify("spcopilot: " .. tostring(err.message or err), vim.log.levels.WARN)
      end
      return
    end
    if vim.api.nvim_get_current_buf() ~= buf or vim.api.nvim_buf_get_changedtick(buf) ~= tick then
      return -- typed on meanwhile: a newer request follows
    end
    local now_row, now_col = cursor()
    if now_row ~= row or now_col ~= col then
      return
    end
    local picked = pick(buf, client, result, row, col)
    clear()
    if picked then
      picked.buf, picked.row, picked.col, picked.tick, picked.client_id = buf, row, col, tick, client.id
      state = picked
      render(state)
    end
  end, buf)
  request_id = id
  if ok then
    inflight = { client = client, id = id, finish = finish }
  end
  return ok
end

--- The suggestion on screen: { text = what accepting inserts at the cursor, id, row, col,
--- end_col = the end of the text after the cursor it replaces (col when none) } or nil.
function M.current()
  if not valid(state) then
    return nil
  end
  return { text = state.remainder, id = state.id, row = state.row, col = state.col, end_col = state.end_col }
end

local function report_accepted(s)
  local client = vim.lsp.get_client_by_id(s.client_id)
  if not client then
    return
  end
  local command = s.item.command
  local provider = client.server_capabilities and client.server_capabilities.executeCommandProvider
  local commands = type(provider) == "table" and provider.commands or {}
  if command and command.command == ACCEPTED and vim.tbl_contains(commands, ACCEPTED) then
    lsp.request(client, "workspace/executeCommand", {
      command = command.command,
      arguments = command.arguments,
    }, function() end, s.buf)
  elseif s.id ~= nil then
    send_feedback(s, "accept")
  end
end

--- Insert the whole suggestion. Returns false when there is none.
function M.accept()
  if not valid(state) then
    clear()
    return false
  end
  local s = state
  clear()
  local lines = vim.split(s.insert_text, "\n", { plain = true })
  vim.api.nvim_buf_set_text(s.buf, s.row, s.start_col, s.row, s.end_col, lines)
  local last_row = s.row + #lines - 1
  local last_col = (#lines == 1 and s.start_col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { last_row + 1, last_col })
  report_accepted(s)
  return true
end

--- Insert the suggestion's next word (or run of punctuation, or line break).
function M.accept_word()
  if not valid(state) then
    clear()
    return false
  end
  local s = state
  local chunk = s.remainder:match("^[ \t]*[%w_]+")
    or s.remainder:match("^[ \t]*[^%w_%s]+")
    or s.remainder:match("^[ \t]*\n")
    or s.remainder:match("^%s+")
  if not chunk or #chunk >= #s.remainder then
    return M.accept()
  end
  -- The word types over the replaced characters after the cursor it contains, in order (`",`
  -- over the `"` of an auto-closed `")`); the others stay, for a later accept to replace.
  local replaced = get_line(s.buf, s.row):sub(s.col + 1, s.end_col)
  local over = 0
  for char in chunk:gmatch(UTF8_CHAR) do
    if replaced:sub(over + 1, over + #char) == char then
      over = over + #char
    end
  end
  local lines = vim.split(chunk, "\n", { plain = true })
  vim.api.nvim_buf_set_text(s.buf, s.row, s.col, s.row, s.col + over, lines)
  local row = s.row + #lines - 1
  local col = (#lines == 1 and s.col or 0) + #lines[#lines]
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
  s.accepted = s.accepted + vim.fn.strchars(chunk)
  s.remainder = s.remainder:sub(#chunk + 1)
  -- What is left replaces what is left of the range, from the new cursor, on a later accept.
  s.insert_text, s.row, s.col, s.start_col = s.remainder, row, col, col
  s.end_col = col + #replaced - over
  s.tick = vim.api.nvim_buf_get_changedtick(s.buf)
  send_feedback(s, "partial", { acceptedLength = s.accepted })
  render(s)
  return true
end

--- Hide the suggestion (reported as dismissed). Returns false when there was none.
function M.dismiss()
  cancel_inflight()
  if timer then
    timer:stop()
  end
  if not state then
    return false
  end
  send_feedback(state, "dismiss")
  clear()
  return true
end

local function schedule_request()
  if not opts.enabled then
    return
  end
  timer = timer or vim.loop.new_timer()
  timer:stop()
  timer:start(
    opts.debounce_ms,
    0,
    vim.schedule_wrap(function()
      if vim.fn.mode():sub(1, 1) == "i" then
        M.request(AUTOMATIC)
      end
    end)
  )
end

local function map(buf, key, action)
  if not key or key == "" then
    return
  end
  vim.keymap.set("i", key, function()
    if not action() then
      vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(key, true, false, true), "n", false)
    end
  end, { buffer = buf, silent = true, desc = "spcopilot inline suggestion" })
end

--- Set up the autocommands and keys of a buffer the server attached to.
function M.attach(_client, buf, options)
  opts = vim.tbl_deep_extend("force", opts, options or {})
  if attached[buf] then
    return
  end
  attached[buf] = true
  local group = vim.api.nvim_create_augroup("spcopilot_inline_" .. buf, { clear = true })
  vim.api.nvim_create_autocmd("TextChangedI", {
    group = group,
    buffer = buf,
    callback = function()
      if valid(state) then
        return -- our own partial accept
      end
      clear()
      schedule_request()
    end,
  })
  vim.api.nvim_create_autocmd("CursorMovedI", {
    group = group,
    buffer = buf,
    callback = function()
      if state and not valid(state) then
        clear()
      end
    end,
  })
  vim.api.nvim_create_autocmd({ "InsertLeave", "BufLeave" }, {
    group = group,
    buffer = buf,
    callback = function()
      M.dismiss()
    end,
  })
  vim.api.nvim_create_autocmd("BufUnload", {
    group = group,
    buffer = buf,
    callback = function()
      attached[buf] = nil
    end,
  })
  local keys = opts.keys or {}
  map(buf, keys.accept, M.accept)
  map(buf, keys.accept_word, M.accept_word)
  map(buf, keys.dismiss, M.dismiss)
  map(buf, keys.trigger, function()
    return M.request(INVOKED)
  end)
end

return M
