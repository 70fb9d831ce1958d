// The page of the Chromium benchmark, bundled by run.mjs with esbuild: the
// WebAssembly package and OpenTelemetry JS's browser build, on the workload shared
// with the Node harness (bindings-node/bench/workload.mjs).
import * as api from '@opentelemetry/api';
import * as core from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';

import init, * as tracewire from 'tracewire-wasm';
import initW3c, * as w3c from 'tracewire-wasm/w3c';
import { cases, check, measure, openTelemetry } from '../../bindings-node/bench/workload.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Runs every case with the full entry, then the cases without baggage with the
 * W3C-only entry (`tracewire-wasm/w3c`); `rounds` per case. Resolves to both
 * entries' results (see `measure`).
 */
globalThis.runBench = async ({ rounds }) => {
  await init(new URL('/tracewire_wasm_bg.wasm', location.href));
  await initW3c(new URL('/tracewire_w3c.wasm', location.href));
  const otel = openTelemetry({ api, core, ids: new RandomIdGenerator(), text: (bytes) => decoder.decode(bytes) });
  const env = { bytes: (text) => encoder.encode(text) };
  const full = cases(env, tracewire, otel);
  const w3cOnly = cases(env, w3c, otel).filter(({ headers }) => !('baggage' in headers));
  check(full);
  check(w3cOnly);
  return { full: measure(full, { rounds, gc: globalThis.gc }), w3c: measure(w3cOnly, { rounds, gc: globalThis.gc }) };
};
