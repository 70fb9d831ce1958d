// The bytes a page loads to continue a W3C trace and inject it into a request:
// each library's JS bundled for that one job (esbuild, minified, tree-shaken),
// plus, for tracewire, its WebAssembly module (the full entry's, and the W3C-only
// entry's); each file gzipped at level 9.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/** The job, as a page using each library writes it. */
const JOBS = {
  opentelemetry: `
    import { propagation, trace, ROOT_CONTEXT, TraceFlags } from '@opentelemetry/api';
    import { W3CTraceContextPropagator } from '@opentelemetry/core';
    import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const ids = new RandomIdGenerator();
    export function outgoing(incoming) {
      const context = propagation.extract(ROOT_CONTEXT, incoming);
      const parent = trace.getSpanContext(context);
      const valid = parent !== undefined && trace.isSpanContextValid(parent);
      const span = trace.setSpanContext(context, {
        traceId: valid ? parent.traceId : ids.generateTraceId(),
        spanId: ids.generateSpanId(),
        traceFlags: valid ? parent.traceFlags : TraceFlags.SAMPLED,
        traceState: valid ? parent.traceState : undefined,
      });
      const headers = {};
      propagation.inject(span, headers);
      return headers;
    }`,
  tracewire: (entry) => `
    import init, { continueTrace } from '${entry}';
    await init();
    export const outgoing = (incoming) => continueTrace(incoming).inject({});`,
};

async function bundle(contents) {
  const result = await build({
    stdin: { contents, resolveDir: here, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
  });
  return result.outputFiles[0].contents;
}

const measure = (what, files) => {
  let bytes = 0;
  let gzipped = 0;
  for (const file of files) {
    bytes += file.length;
    gzipped += gzipSync(file, { level: 9 }).length;
  }
  return { what, bytes, gzipped };
};

/** Sizes for OpenTelemetry JS and for the tracewire-wasm package built in directory `pkg`. */
export async function sizes(pkg) {
  return [
    measure('OpenTelemetry JS (api + W3CTraceContextPropagator + RandomIdGenerator)', [await bundle(JOBS.opentelemetry)]),
    measure('tracewire-wasm (JS + wasm, every format)', [
      await bundle(JOBS.tracewire(join(pkg, 'index.js'))),
      await readFile(join(pkg, 'tracewire_wasm_bg.wasm')),
    ]),
    measure('tracewire-wasm/w3c (JS + wasm, W3C Trace Context only)', [
      await bundle(JOBS.tracewire(join(pkg, 'w3c.js'))),
      await readFile(join(pkg, 'tracewire_w3c.wasm')),
    ]),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { what, bytes, gzipped } of await sizes(process.env.TRACEWIRE_WASM_PKG ?? join(here, '..', 'pkg'))) {
    console.log(`${what}: ${bytes} B, ${gzipped} B gzipped`);
  }
}
