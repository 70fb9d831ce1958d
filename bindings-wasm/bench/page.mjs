// The page of the Chromium benchmark, bundled by run.mjs with esbuild: the
// WebAssembly package and OpenTelemetry JS's browser build, on the workload shared
// with the Node harness (bindings-node/bench/workload.mjs).
import * as api from '@opentelemetry/api';
import * as core from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';

import init, * as tracewire from 'tracewire-wasm';
import { cases, check, measure, openTelemetry } from '../../bindings-node/bench/workload.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Runs every case; `rounds` per case. Resolves to the results (see `measure`). */
globalThis.runBench = async ({ rounds }) => {
  await init(new URL('/tracewire_wasm_bg.wasm', location.href));
  const otel = openTelemetry({ api, core, ids: new RandomIdGenerator(), text: (bytes) => decoder.decode(bytes) });
  const list = cases({ bytes: (text) => encoder.encode(text) }, tracewire, otel);
  check(list);
  return measure(list, { rounds, gc: globalThis.gc });
};
