#!/usr/bin/env bash
# Builds the extension (.vsix) from this repository and installs it into VS Code.
#
#   bash clients/vscode/install.sh                 # into VS Code (`code` on PATH)
#   bash clients/vscode/install.sh codium          # any editor CLI that takes --install-extension
#   bash clients/vscode/install.sh code-server --extensions-dir ~/.local/share/code-server/extensions
#
# Needs Node.js 20+ and npm. The .vsix is kept as clients/vscode/spcopilot.vsix.
set -euo pipefail
cd "$(dirname "$0")"
if [ $# -eq 0 ]; then
  set -- code
fi
if ! [ -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
vsix="${SPCOPILOT_VSIX:-$PWD/spcopilot.vsix}"
npm run --silent package -- --out "$vsix"
"$@" --install-extension "$vsix" --force
echo "installed $vsix; the server: pipx install sourcepawn-copilot (or set spcopilot.server.python)"
