-- SourcePawn Copilot for Neovim: the `sourcepawn` filetype, the `spcopilot serve` language
-- server, AI suggestions as ghost text and the generation commands.
--
--   require("spcopilot").setup({ settings = { backend = "openai", model = "gpt-4o-mini" } })
--
-- Works with Neovim 0.7 (vim.lsp.start_client + buf_attach_client) and 0.8+ (vim.lsp.start).
local lsp = require("spcopilot.lsp")

local M = {}

M.defaults = {
  -- How to start the server: `spcopilot serve`, or e.g. { "/path/.venv/bin/python", "-m", "spcopilot", "serve" }.
  cmd = { "spcopilot", "serve" },
  -- The server's settings (README "Settings"; keys kebab-, snake- or camelCase), sent as
  -- initializationOptions and answered on workspace/configuration (section "spcopilot").
  settings = {},
  -- The OpenAI key is read from a command's output (e.g. { "pass", "show", "openai" }) and only
  -- handed to the server at start (never put in `settings`); OPENAI_API_KEY works as well.
  api_key_cmd = nil,
  root_markers = { ".spcopilot.toml", ".git" },
  filetypes = { extensions = { "sp", "inc" } },
  inline = {
    enabled = true, -- ask for suggestions while typing (the manual key works either way)
    debounce_ms = 75,
    keys = {
      accept = "<M-l>",
      accept_word = "<M-Right>",
      dismiss = "<C-]>",
      trigger = "<M-\\>",
    },
    hl_group = "SpcopilotSuggestion", -- linked to Comment unless you define it
  },
  commands = true, -- :Spcopilot* user commands
  -- References, rename, symbols and hover on the keys Neovim 0.11 has built in (mapped in the
  -- buffer on 0.7-0.10, where they are free); false: map nothing.
  keys = { references = "grr", rename = "grn", document_symbols = "gO", hover = "K" },
  on_attach = nil, -- function(client, bufnr) for your own mappings
}

M.config = vim.deepcopy(M.defaults)

local INSTALL = "pipx install sourcepawn-copilot"

local function notify(message, level)
  vim.notify("spcopilot: " .. message, level or vim.log.levels.INFO)
end

--- The `sourcepawn` filetype for .sp and .inc: vim.filetype.add on 0.8+; on 0.7 (where *.sp
--- is "spice" and filetype.lua needs g:do_filetype_lua) an autocommand that sets it first.
local function register_filetype(extensions)
  if vim.fn.has("nvim-0.8") == 1 then
    local map = {}
    for _, ext in ipairs(extensions) do
      map[ext] = "sourcepawn"
    end
    vim.filetype.add({ extension = map })
  end
  local patterns = {}
  for _, ext in ipairs(extensions) do
    table.insert(patterns, "*." .. ext)
  end
  local group = vim.api.nvim_create_augroup("spcopilot_filetype", { clear = true })
  if vim.fn.has("nvim-0.8") == 0 then
    vim.api.nvim_create_autocmd({ "BufNewFile", "BufRead" }, {
      group = group,
      pattern = patterns,
      callback = function(args)
        vim.api.nvim_buf_set_option(args.buf, "filetype", "sourcepawn")
      end,
    })
  end
  -- Buffers read before setup() ran (lazy loading).
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) then
      local name = vim.api.nvim_buf_get_name(buf)
      for _, ext in ipairs(extensions) do
        if name:sub(-(#ext + 1)) == "." .. ext and vim.bo[buf].filetype ~= "sourcepawn" then
          vim.api.nvim_buf_set_option(buf, "filetype", "sourcepawn")
        end
      end
    end
  end
end

--- The nearest folder above `path` holding one of the markers, else the file's folder.
local function find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local current = dir
  while current and current ~= "" do
    for _, marker in ipairs(markers) do
      if vim.loop.fs_stat(current .. "/" .. marker) then
        return current
      end
    end
    local parent = vim.fn.fnamemodify(current, ":h")
    if parent == current then
      break
    end
    current = parent
  end
  return dir
end

local api_key_cache = nil

local function api_key()
  local command = M.config.api_key_cmd
  if not command then
    return nil
  end
  if api_key_cache == nil then
    local output = vim.fn.system(command)
    if vim.v.shell_error ~= 0 then
      notify("api_key_cmd failed: " .. vim.trim(output), vim.log.levels.WARN)
      api_key_cache = false
    else
      api_key_cache = vim.trim(output)
    end
  end
  return api_key_cache or nil
end

local function init_options()
  local options = vim.deepcopy(M.config.settings)
  local key = api_key()
  if key and key ~= "" then
    options["api-key"] = key
  end
  if next(options) == nil then
    return vim.empty_dict()
  end
  return options
end

local missing_reported = false

--- Start the server for `bufnr` (or attach the running one of the same root).
function M.attach(bufnr)
  bufnr = bufnr or vim.api.nvim_get_current_buf()
  local cmd = M.config.cmd
  if vim.fn.executable(cmd[1]) == 0 then
    if not missing_reported then
      missing_reported = true
      notify(
        string.format(
          "the language server `%s` was not found. Install it with `%s`, or pass `cmd` to setup().",
          cmd[1],
          INSTALL
        ),
        vim.log.levels.ERROR
      )
    end
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  local root = find_root(name ~= "" and name or vim.fn.getcwd() .. "/x", M.config.root_markers)
  local settings = vim.tbl_isempty(M.config.settings) and vim.empty_dict() or M.config.settings
  local config = {
    name = "spcopilot",
    cmd = cmd,
    root_dir = root,
    workspace_folders = { { uri = vim.uri_from_fname(root), name = vim.fn.fnamemodify(root, ":t") } },
    init_options = init_options(),
    settings = { spcopilot = settings },
    capabilities = lsp.capabilities(),
    handlers = lsp.handlers(),
    on_attach = function(client, buf)
      require("spcopilot.inline").attach(client, buf, M.config.inline)
      require("spcopilot.navigation").attach(buf, M.config.keys)
      if M.config.on_attach then
        M.config.on_attach(client, buf)
      end
    end,
  }
  return lsp.start(config, bufnr)
end

--- Change settings at run time (sent with workspace/didChangeConfiguration).
function M.set_settings(settings)
  M.config.settings = vim.tbl_deep_extend("force", M.config.settings, settings or {})
  for _, client in ipairs(lsp.clients()) do
    client.config.settings = { spcopilot = M.config.settings }
    lsp.notify(client, "workspace/didChangeConfiguration", { settings = { spcopilot = M.config.settings } })
  end
end

--- Stop the server and start it again for every sourcepawn buffer.
function M.restart()
  api_key_cache = nil
  lsp.stop_all(function()
    for _, buf in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == "sourcepawn" then
        M.attach(buf)
      end
    end
  end)
end

--- For a statusline: "spcopilot: replay", "spcopilot: generating…", "" when not attached.
function M.status()
  local client = lsp.client(vim.api.nvim_get_current_buf())
  if not client then
    return ""
  end
  if lsp.busy() then
    return "spcopilot: generating…"
  end
  local backend = M.config.settings.backend or "none"
  local model = M.config.settings.model or M.config.settings.gguf
  if backend == "none" then
    return "spcopilot"
  end
  return "spcopilot: " .. backend .. (model and model ~= "" and (" " .. vim.fn.fnamemodify(model, ":t")) or "")
end

-- The inline suggestion API (also behind the keys and commands).
function M.suggest()
  return require("spcopilot.inline").request(1)
end
function M.accept()
  return require("spcopilot.inline").accept()
end
function M.accept_word()
  return require("spcopilot.inline").accept_word()
end
function M.dismiss()
  return require("spcopilot.inline").dismiss()
end

function M.setup(opts)
  M.config = vim.tbl_deep_extend("force", vim.deepcopy(M.defaults), opts or {})
  api_key_cache = nil
  missing_reported = false
  vim.api.nvim_set_hl(0, "SpcopilotSuggestion", { link = "Comment", default = true })
  require("spcopilot.navigation").highlights()
  register_filetype(M.config.filetypes.extensions)
  local group = vim.api.nvim_create_augroup("spcopilot", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "sourcepawn",
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  if M.config.commands then
    require("spcopilot.commands").register()
  end
  -- Buffers that already have the filetype.
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(buf) and vim.bo[buf].filetype == "sourcepawn" and not lsp.client(buf) then
      M.attach(buf)
    end
  end
end

return M
