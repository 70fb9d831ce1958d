#!/usr/bin/env bash
# The JS tests: the shared suite, the Node-only tests and the boundary tests against
# the installed Node package, the package installed into an empty project (require,
# import, types), and the examples. Needs dist/tracewire-0.1.0.tgz (bindings-node/build.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

node_tgz="$repo/dist/tracewire-0.1.0.tgz"
wasm_tgz="$repo/dist/tracewire-wasm-0.1.0.tgz"
[[ -f "$node_tgz" ]] || { echo "missing $node_tgz: run bindings-node/build.sh" >&2; exit 1; }

# Reinstall when package.json or a built package changed. The local tarballs change
# with every build, so there is no lockfile (.npmrc) and registry versions are exact.
stamp="$(cat package.json "$node_tgz" "$([[ -f "$wasm_tgz" ]] && echo "$wasm_tgz" || echo /dev/null)" | sha256sum)"
if [[ ! -f node_modules/.stamp || "$(cat node_modules/.stamp)" != "$stamp" ]]; then
  rm -rf node_modules/tracewire node_modules/tracewire-wasm
  npm install --no-audit --no-fund --loglevel=error
  echo "$stamp" > node_modules/.stamp
fi

echo "== suite and Node-only tests, Node package"
TRACEWIRE_IMPL=node node --test --test-reporter=spec run-node.mjs node-only.test.mjs boundary.test.mjs require.test.cjs
if [[ -d node_modules/tracewire-wasm ]]; then
  echo "== suite, the W3C-only WebAssembly entry (tracewire-wasm/w3c) in Node"
  TRACEWIRE_IMPL=w3c node --test run-node.mjs
fi

echo "== the package in an empty project: require, import, types, examples"
project="$(mktemp -d)"
trap 'rm -rf "$project"' EXIT
cp "$repo/examples/node/quickstart.mjs" "$repo/examples/node/formats.mjs" "$repo/examples/node/typed.ts" "$project/"
# The integration examples, and the browser one when the WebAssembly package is there.
integrations=(opentelemetry.mjs http.mjs logs.mjs kafkajs.mjs)
for example in "${integrations[@]}"; do cp "$repo/examples/node/$example" "$project/"; done
if [[ -d "$here/node_modules/tracewire-wasm" ]]; then
  cp "$repo/examples/browser/fetch.mjs" "$project/browser-fetch.mjs"
  integrations+=(browser-fetch.mjs)
fi
cd "$project"
cat > package.json <<'JSON'
{ "name": "consumer", "private": true, "type": "module" }
JSON
cat > check.cts <<'TS'
import tracewire = require('tracewire');
export const parent: string | null = tracewire.continueTrace({ traceparent: 'x' }).parentSpanId;
TS
cat > tsconfig.json <<JSON
{
  "compilerOptions": {
    "strict": true, "noEmit": true, "skipLibCheck": false, "allowJs": true, "checkJs": true,
    "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
    "types": ["node"], "typeRoots": ["$here/node_modules/@types"]
  },
  "files": ["typed.ts", "check.cts"$(printf ', "%s"' "${integrations[@]}")]
}
JSON
npm install --no-audit --no-fund --no-package-lock --loglevel=error "$node_tgz"
node -e "const t = require('tracewire'); if (!t.continueTrace().traceparent.startsWith('00-')) process.exit(1)"
node --input-type=module -e "import { continueTrace } from 'tracewire'; continueTrace().child();"
node quickstart.mjs
node formats.mjs
# The packages the integration examples use, as the tests installed them.
for dependency in @opentelemetry kafkajs pino tracewire-wasm; do
  [[ ! -e "$here/node_modules/$dependency" ]] || ln -s "$here/node_modules/$dependency" "node_modules/$dependency"
done
node opentelemetry.mjs
node http.mjs
[[ "$(node logs.mjs | grep -c '"trace_id":"[0-9a-f]\{32\}"')" == 2 ]] || { echo "logs.mjs: expected 2 lines with a trace id" >&2; exit 1; }
"$here/node_modules/.bin/tsc" -p tsconfig.json
echo "package checks passed"

echo "== integrations: OpenTelemetry, fetch, http, logs, kafkajs (a real broker)"
cd "$here"
TRACEWIRE_EXAMPLES="$project" TRACEWIRE_IMPL=node node --test --test-reporter=spec \
  integrations/opentelemetry.test.mjs integrations/fetch.test.mjs integrations/logs.test.mjs \
  integrations/http.test.mjs integrations/kafkajs.test.mjs

# == WebAssembly runs (wasm in Node and in Chromium, the W3C-only entry in Chromium): bindings-wasm/test.sh.
