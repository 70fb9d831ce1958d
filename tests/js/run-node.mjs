// Runs the shared suite (suite.mjs) under node:test against the implementation
// TRACEWIRE_IMPL names: `TRACEWIRE_IMPL=wasm node --test run-node.mjs`.
import { describe, test } from 'node:test';

import { impl, loadApi, loadVectors } from './impl.mjs';
import { cases } from './suite.mjs';

const [api, vectors] = await Promise.all([loadApi(), loadVectors()]);

describe(`tracewire (${impl})`, () => {
  for (const { name, skip, run } of cases(api, vectors)) test(name, { skip }, run);
});
