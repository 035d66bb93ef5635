-- The e2e tests' Neovim configuration: the plugin from this repository, set up the way its
-- README says, with the server command and settings the test passes in the environment.
local repo = vim.env.SPCOPILOT_REPO
vim.opt.runtimepath:prepend(repo .. "/clients/neovim")
vim.opt.swapfile = false
vim.opt.shadafile = "NONE"

-- Notifications are recorded for the driver to read.
_G.spcopilot_e2e_notifications = {}
local notify = vim.notify
vim.notify = function(msg, level, opts)
  table.insert(_G.spcopilot_e2e_notifications, { msg = msg, level = level })
  return notify(msg, level, opts)
end

require("spcopilot").setup({
  cmd = vim.json and vim.json.decode(vim.env.SPCOPILOT_CMD) or vim.fn.json_decode(vim.env.SPCOPILOT_CMD),
  settings = (vim.json and vim.json.decode or vim.fn.json_decode)(vim.env.SPCOPILOT_SETTINGS),
  inline = { debounce_ms = 30 },
})
