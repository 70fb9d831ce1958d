// tracewire against OpenTelemetry JS's W3C propagators, interleaved in one Node
// process: `node run.mjs` for the Node-API package, `TRACEWIRE_IMPL=wasm node
// run.mjs` for the WebAssembly package in Node. Both packages are used as built in
// the repository (bindings-node/build.sh, bindings-wasm/build.sh), or from the
// entry module TRACEWIRE_ENTRY names (another build, to compare).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

import * as api from '@opentelemetry/api';
import * as core from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';

import { cases, check, measure, openTelemetry, table } from './workload.mjs';

const impl = process.env.TRACEWIRE_IMPL ?? 'node';
const entries = { node: '../lib/index.mjs', wasm: '../../bindings-wasm/pkg/index.js' };
if (!(impl in entries)) throw new Error(`TRACEWIRE_IMPL must be node or wasm, not ${impl}`);

const entry = process.env.TRACEWIRE_ENTRY ? pathToFileURL(process.env.TRACEWIRE_ENTRY).href : entries[impl];
const tracewire = await import(entry);
if (impl === 'wasm') await tracewire.default();

const otel = openTelemetry({ api, core, ids: new RandomIdGenerator(), text: (bytes) => bytes.toString() });
const list = cases({ bytes: (text) => Buffer.from(text) }, tracewire, otel);
check(list);

const label = { node: 'Node-API', wasm: 'WebAssembly in Node' }[impl];
const otelVersion = JSON.parse(readFileSync(new URL('node_modules/@opentelemetry/core/package.json', import.meta.url))).version;
console.log(`tracewire (${label}) vs OpenTelemetry JS ${otelVersion}, Node ${process.version}: median ns/op`);
const rounds = Number(process.env.BENCH_ROUNDS ?? 31);
const results = measure(list, { rounds, gc: globalThis.gc, progress: (line) => process.stderr.write(`${line}\n`) });
console.log(table(results));
