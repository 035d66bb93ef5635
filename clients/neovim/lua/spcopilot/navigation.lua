-- References, rename and semantic highlighting, as Neovim users expect them.
--
-- Neovim 0.11 maps `grr` (references), `grn` (rename), `gO` (document symbols) and `K`
-- (hover) for every language server; on 0.7-0.10 the same keys are mapped here, in the
-- buffer, unless they are already mapped. Semantic highlighting is Neovim's own (0.9+: on for
-- servers that offer it); the server's modifiers for SourceMod's natives, stocks, forwards and
-- globals get highlight groups that link to the usual ones (`default`: a colorscheme wins).
local M = {}

M.default_keys = { references = "grr", rename = "grn", document_symbols = "gO", hover = "K" }

local actions = {
  references = function()
    vim.lsp.buf.references()
  end,
  rename = function()
    vim.lsp.buf.rename()
  end,
  document_symbols = function()
    vim.lsp.buf.document_symbol()
  end,
  hover = function()
    vim.lsp.buf.hover()
  end,
}

local function mapped(buf, key)
  for _, map in ipairs(vim.api.nvim_buf_get_keymap(buf, "n")) do
    if map.lhs == key then
      return true
    end
  end
  return false
end

--- Buffer-local keys on Neovim < 0.11 (which has them built in); `keys = false` maps nothing.
function M.attach(buf, keys)
  if keys == false or vim.fn.has("nvim-0.11") == 1 then
    return
  end
  for action, key in pairs(vim.tbl_extend("force", M.default_keys, keys or {})) do
    if key and actions[action] and not mapped(buf, key) then
      vim.keymap.set("n", key, actions[action], { buffer = buf, desc = "spcopilot: " .. action })
    end
  end
end

-- The server's own token modifiers, linked to the groups colorschemes style.
local LINKS = {
  ["@lsp.typemod.function.defaultLibrary"] = "@function.builtin",
  ["@lsp.typemod.function.native"] = "@function.builtin",
  ["@lsp.typemod.function.forward"] = "@function",
  ["@lsp.typemod.function.stock"] = "@function",
  ["@lsp.typemod.variable.global"] = "@variable.global",
  ["@lsp.typemod.variable.readonly"] = "@constant",
  ["@lsp.type.macro"] = "@constant.macro",
  ["@lsp.type.enumMember"] = "@constant",
  ["@lsp.mod.deprecated"] = "DiagnosticDeprecated",
}

function M.highlights()
  if vim.fn.has("nvim-0.9") == 0 then
    return -- no semantic tokens before 0.9
  end
  for group, target in pairs(LINKS) do
    vim.api.nvim_set_hl(0, group, { link = target, default = true })
  end
end

return M
