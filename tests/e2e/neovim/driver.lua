-- Drives a real Neovim through what a user does with the plugin: open a plugin with planted
-- mistakes, wait for diagnostics, apply the quick fix, fix all, type `HookEvent("` and accept the
-- ghost text. Each step waits (with a timeout) for the condition it needs, never for a fixed time.
-- Runs as a coroutine resumed by timers, so that Neovim's loop (typeahead, LSP, autocommands)
-- goes on between steps. Writes a JSON report to $SPCOPILOT_E2E_RESULT and exits.
local result_path = vim.env.SPCOPILOT_E2E_RESULT
local report = { steps = {}, version = tostring(vim.version().major .. "." .. vim.version().minor) }
local encode = vim.json and vim.json.encode or vim.fn.json_encode

local function finish(ok, err)
  report.ok = ok
  report.error = err
  report.messages = vim.fn.execute("messages")
  local file = assert(io.open(result_path, "w"))
  file:write(encode(report))
  file:close()
  vim.cmd(ok and "qall!" or "cquit!")
end

local co
local function resume()
  local ok, err = coroutine.resume(co)
  if not ok then
    finish(false, debug.traceback(co, tostring(err)))
  end
end

local function wait_for(what, timeout_ms, condition)
  local deadline = vim.loop.now() + timeout_ms
  while true do
    local value = condition()
    if value then
      return value
    end
    if vim.loop.now() > deadline then
      error("timed out waiting for " .. what, 0)
    end
    vim.defer_fn(resume, 25)
    coroutine.yield()
  end
end

local function step(name, data)
  table.insert(report.steps, { name = name, data = data })
end

local function feed(keys)
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes(keys, true, false, true), "t", false)
end

local function code_of(d)
  return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
end

local function diagnostics_by_code(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = tostring(code_of(d))
    out[code] = out[code] or {}
    table.insert(out[code], { lnum = d.lnum, col = d.col, message = d.message })
  end
  return out
end

local function get_line(buf, row)
  return vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1]
end

--- The first line containing `needle`: { row = 1-based, text = the line }, or nil.
local function line_of(buf, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if line:find(needle, 1, true) then
      return { row = i, text = line }
    end
  end
end

local function ghost_text(buf)
  local ns = require("spcopilot.inline").ns
  local marks = vim.api.nvim_buf_get_extmarks(buf, ns, 0, -1, { details = true })
  for _, mark in ipairs(marks) do
    local details = mark[4]
    if details.virt_text then
      local text = ""
      for _, chunk in ipairs(details.virt_text) do
        text = text .. chunk[1]
      end
      return { row = mark[2], col = mark[3], text = text, pos = details.virt_text_pos }
    end
  end
end

--- Row `row` (1-based) as drawn on the screen, virtual text included, without the sign and number
--- columns and trailing blanks.
local function screen_line(row)
  vim.cmd("redraw")
  local info = vim.fn.getwininfo(vim.api.nvim_get_current_win())[1]
  local at = vim.fn.screenpos(0, row, 1).row
  local cells = {}
  for col = info.wincol + (info.textoff or 0), info.wincol + info.width - 1 do
    table.insert(cells, vim.fn.screenstring(at, col))
  end
  return (table.concat(cells):gsub("%s+$", ""))
end

local function main()
  local buf = vim.api.nvim_get_current_buf()
  step("filetype", vim.bo[buf].filetype)
  assert(vim.bo[buf].filetype == "sourcepawn", "filetype is " .. vim.bo[buf].filetype)

  local lsp = require("spcopilot.lsp")
  local client = wait_for("the server to attach", 15000, function()
    return lsp.client(buf)
  end)
  step("attached", { encoding = client.offset_encoding })

  -- Diagnostics: each planted mistake once (a client that pulls must not also be pushed to).
  local found = wait_for("SPC201 and SPC101", 20000, function()
    local by_code = diagnostics_by_code(buf)
    return by_code.SPC201 and by_code.SPC101 and by_code
  end)
  step("diagnostics", found)
  assert(#found.SPC201 == 1, "SPC201 shown " .. #found.SPC201 .. " times")
  assert(#found.SPC101 == 1, "SPC101 shown " .. #found.SPC101 .. " times")

  -- The quick fix, through Neovim's own code action flow (the picker answered as a user would).
  local titles = {}
  vim.ui.select = function(items, opts, on_choice)
    for _, item in ipairs(items) do
      local action = item.action or item[2]
      local title = opts.format_item and opts.format_item(item) or action.title
      table.insert(titles, title)
      if title:find("lunge_pounce", 1, true) then
        return on_choice(item)
      end
    end
    on_choice(nil)
  end
  local d201 = found.SPC201[1]
  vim.api.nvim_win_set_cursor(0, { d201.lnum + 1, d201.col })
  vim.lsp.buf.code_action()
  local fixed = wait_for("the quick fix to apply", 10000, function()
    return line_of(buf, 'HookEvent("lunge_pounce"')
  end)
  step("quick fix", { titles = titles, line = fixed.text })
  wait_for("SPC201 to go away", 10000, function()
    return diagnostics_by_code(buf).SPC201 == nil
  end)

  -- Fix all (the plugin's command, the server's spcopilot.fixAll).
  vim.cmd("SpcopilotFixAll")
  local random = wait_for("fix all to replace RandomFloat", 15000, function()
    return line_of(buf, "GetRandomFloat(1.0, 3.0)")
  end)
  step("fix all", random.text)

  -- Ghost text: type `HookEvent("` on a new line below the marker comment, as a user would.
  local marker = assert(line_of(buf, "e2e: hook the incap event here"), "marker line")
  vim.api.nvim_win_set_cursor(0, { marker.row, 0 })
  feed('oHookEvent("') -- (autoindent copies the marker line's tab)
  local ghost = wait_for("ghost text after HookEvent(\"", 20000, function()
    return vim.fn.mode() == "i" and ghost_text(buf)
  end)
  step("ghost text", ghost)
  feed("<M-l>")
  local accepted = wait_for("the suggestion to be accepted", 10000, function()
    return line_of(buf, 'HookEvent("player_incapacitated", Event_Incap);')
  end)
  step("accepted", accepted.text)
  feed("<Esc>")
  wait_for("normal mode", 5000, function()
    return vim.fn.mode() == "n"
  end)

  -- A second suggestion: accept one word, then dismiss the rest.
  feed('oHookEvent("')
  local second = wait_for("the second ghost text", 20000, function()
    return vim.fn.mode() == "i" and ghost_text(buf)
  end)
  feed("<M-Right>")
  local partial = wait_for("one word to be accepted", 10000, function()
    local line = vim.api.nvim_get_current_line()
    local ghost = ghost_text(buf)
    return line:find("player_incapacitated$") and ghost and { line = line, ghost = ghost }
  end)
  feed("<C-]>")
  local dismissed = wait_for("the rest to be dismissed", 10000, function()
    return ghost_text(buf) == nil and { line = vim.api.nvim_get_current_line(), mode = vim.fn.mode() }
  end)
  step("word and dismiss", { second = second.text, partial = partial, dismissed = dismissed })
  feed("<Esc>")
  wait_for("normal mode", 5000, function()
    return vim.fn.mode() == "n"
  end)

  -- Auto-pairs: a new line that already holds the `")` an auto-pairs plugin closes, and
  -- `HookEvent("` typed before them. The server's item covers them: the suggestion is drawn over
  -- them, and accepting replaces them instead of doubling them.
  local function type_autopaired()
    local row = vim.api.nvim_win_get_cursor(0)[1] + 1
    vim.api.nvim_buf_set_lines(buf, row - 1, row - 1, false, { '\t")' })
    vim.api.nvim_win_set_cursor(0, { row, 1 })
    feed('iHookEvent("')
    local ghost = wait_for("ghost text before the auto-closed \")", 20000, function()
      return vim.fn.mode() == "i" and get_line(buf, row) == '\tHookEvent("")' and ghost_text(buf)
    end)
    return row, { line = get_line(buf, row), ghost = ghost, screen = screen_line(row) }
  end
  --- After `keys`: the line once it changed, with the ghost text left (if `ghost`) and the screen.
  local function after(keys, row, ghost)
    local before = get_line(buf, row)
    feed(keys)
    return wait_for("the line to change after " .. keys, 10000, function()
      local line = get_line(buf, row)
      local left = ghost_text(buf)
      return line ~= before and (left or not ghost) and { line = line, ghost = left, screen = screen_line(row) }
    end)
  end
  local row, shown = type_autopaired()
  local accepted_paired = after("<M-l>", row, false)
  step("auto-paired accept", { shown = shown, accepted = accepted_paired.line })
  feed("<Esc>")
  wait_for("normal mode", 5000, function()
    return vim.fn.mode() == "n"
  end)
  -- Word by word over the closers, then the rest.
  row, shown = type_autopaired()
  local word1 = after("<M-Right>", row, true)
  local word2 = after("<M-Right>", row, true)
  local rest = after("<M-l>", row, false)
  step("auto-paired words", { shown = shown, word1 = word1, word2 = word2, accepted = rest.line })
  feed("<Esc>")
  wait_for("normal mode", 5000, function()
    return vim.fn.mode() == "n"
  end)
  report.final_text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
  finish(true)
end

--- The server command does not exist: the user is told how to install it, nothing breaks.
local function missing_server()
  local buf = vim.api.nvim_get_current_buf()
  step("filetype", vim.bo[buf].filetype)
  local message = wait_for("the install notification", 5000, function()
    for _, n in ipairs(_G.spcopilot_e2e_notifications) do
      if n.msg:find("not found", 1, true) then
        return n
      end
    end
  end)
  step("notification", message)
  step("clients", #require("spcopilot.lsp").clients())
  finish(true)
end

--- The generation commands with the replay backend: explain, generate at the cursor, generate a plugin.
local function commands()
  local buf = vim.api.nvim_get_current_buf()
  wait_for("the server to attach", 15000, function()
    return require("spcopilot.lsp").client(buf)
  end)

  local first = assert(line_of(buf, "public void Event_Incap"), "Event_Incap")
  vim.cmd(string.format("%d,%dSpcopilotExplain", first.row, first.row + 7))
  local explanation = wait_for("the explanation", 15000, function()
    if require("spcopilot.commands").running() then
      return nil
    end
    local current = vim.api.nvim_get_current_buf()
    return current ~= buf
      and vim.bo[current].filetype == "markdown"
      and table.concat(vim.api.nvim_buf_get_lines(current, 0, -1, false), "\n")
  end)
  step("explain", explanation)
  vim.cmd("close")

  local marker = assert(line_of(buf, "e2e: hook the incap event here"), "marker line")
  vim.api.nvim_buf_set_lines(buf, marker.row, marker.row, false, { "\t" })
  vim.api.nvim_win_set_cursor(0, { marker.row + 1, 1 })
  vim.cmd("SpcopilotGenerate log that the plugin started")
  local generated = wait_for("code at the cursor", 15000, function()
    return not require("spcopilot.commands").running() and line_of(buf, "Pounce Reward loaded")
  end)
  step("generate at cursor", generated)

  vim.cmd("SpcopilotGeneratePlugin announce the tank health every 30 seconds")
  local plugin = wait_for("the generated plugin to open", 15000, function()
    local current = vim.api.nvim_get_current_buf()
    local name = vim.api.nvim_buf_get_name(current)
    local text = table.concat(vim.api.nvim_buf_get_lines(current, 0, -1, false), "\n")
    return current ~= buf and name:match("%.sp$") and text:find("Timer_Announce", 1, true) and {
      name = vim.fn.fnamemodify(name, ":t"),
      text = text,
      filetype = vim.bo[current].filetype,
    }
  end)
  step("generate plugin", plugin)
  finish(true)
end

--- References (grr), rename (grn) and semantic highlighting, as a user reaches them.
local function navigation()
  local buf = vim.api.nvim_get_current_buf()
  local win = vim.api.nvim_get_current_win()
  wait_for("the server to attach", 15000, function()
    return require("spcopilot.lsp").client(buf)
  end)
  local declared = assert(line_of(buf, "int hunter = "), "the hunter local")
  vim.api.nvim_win_set_cursor(win, { declared.row, (declared.text:find("hunter", 1, true)) })
  vim.fn.setqflist({}, "r")
  feed("grr")
  local items = wait_for("the references in the quickfix list", 15000, function()
    local list = vim.fn.getqflist()
    return #list > 0 and list
  end)
  local found = {}
  for _, item in ipairs(items) do
    table.insert(found, { lnum = item.lnum, col = item.col })
  end
  step("references", found)
  vim.cmd("cclose")
  vim.api.nvim_set_current_win(win)

  vim.api.nvim_win_set_cursor(win, { declared.row, (declared.text:find("hunter", 1, true)) })
  feed("grn")
  wait_for("the new name prompt", 15000, function()
    return vim.fn.mode() == "c"
  end)
  feed("<C-u>pouncer<CR>")
  local renamed = wait_for("the rename", 15000, function()
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
    local _, count = text:gsub("pouncer", "")
    return count > 0 and not text:find("hunter <= 0", 1, true) and text
  end)
  local _, count = renamed:gsub("pouncer", "")
  step("rename", { count = count, line = line_of(buf, "int pouncer = ") })

  if vim.lsp.semantic_tokens and vim.lsp.semantic_tokens.get_at_pos then
    local global = assert(line_of(buf, "g_fLastPounce[pouncer]"), "the global's use")
    local col = global.text:find("g_fLastPounce", 1, true) - 1
    local token = wait_for("a semantic token on the global", 15000, function()
      local at = vim.lsp.semantic_tokens.get_at_pos(buf, global.row - 1, col) or {}
      return at[1]
    end)
    local modifiers = {}
    for name, on in pairs(token.modifiers or {}) do
      if on then
        table.insert(modifiers, name)
      end
    end
    table.sort(modifiers)
    step("semantic token", { type = token.type, modifiers = modifiers })
  else
    step("semantic token", vim.NIL)
  end
  finish(true)
end


--- Setting `error-logs`: the runtime errors of the log show on their lines, with their stack as
--- related information, and an error appended to the log while the file is open shows too.
local function runtime_logs()
  local buf = vim.api.nvim_get_current_buf()
  local function runtime()
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      if tostring(code_of(d)) == "sourcemod-exception" then
        local lsp = d.user_data and d.user_data.lsp or {}
        table.insert(out, { lnum = d.lnum, message = d.message, related = #(lsp.relatedInformation or {}) })
      end
    end
    table.sort(out, function(a, b)
      return a.lnum < b.lnum
    end)
    return out
  end
  local first = wait_for("the logged runtime error", 30000, function()
    local found = runtime()
    return #found >= 1 and found
  end)
  step("logged", first)
  local log = assert(io.open(vim.env.SPCOPILOT_E2E_LOG, "a"))
  log:write(vim.env.SPCOPILOT_E2E_APPEND)
  log:close()
  local both = wait_for("the appended runtime error", 30000, function()
    local found = runtime()
    return #found >= 2 and found
  end)
  step("appended", both)
  finish(true)
end

local scenarios = {
  editing = main,
  ["missing-server"] = missing_server,
  commands = commands,
  navigation = navigation,
  ["runtime-logs"] = runtime_logs,
}
co = coroutine.create(scenarios[vim.env.SPCOPILOT_E2E_SCENARIO or "editing"])
vim.defer_fn(resume, 0)
