#!/usr/bin/env bash
# Puts the plugin on Neovim's packpath: a link to this folder, so that `git pull` updates it.
#
#   bash clients/neovim/install.sh
#
# Then add `require("spcopilot").setup({})` to your init.lua (see clients/neovim/README.md).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${XDG_DATA_HOME:-$HOME/.local/share}/nvim/site/pack/spcopilot/start/spcopilot"
mkdir -p "$(dirname "$dest")"
ln -sfn "$here" "$dest"
echo "linked $dest -> $here"
echo 'now add to init.lua:  require("spcopilot").setup({})'
