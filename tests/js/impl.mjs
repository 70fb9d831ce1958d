// Which implementation of the JS API the Node runners test: TRACEWIRE_IMPL=node (the
// installed `tracewire` package, the default), wasm (the installed `tracewire-wasm`)
// or w3c (its W3C-only entry, `tracewire-wasm/w3c`).
import { readdir, readFile } from 'node:fs/promises';

export const impl = process.env.TRACEWIRE_IMPL ?? 'node';

export const packages = { node: 'tracewire', wasm: 'tracewire-wasm', w3c: 'tracewire-wasm/w3c' };

/** The API module of the chosen implementation, loaded and ready. */
export async function loadApi() {
  const name = packages[impl];
  if (name === undefined) throw new Error(`TRACEWIRE_IMPL must be node, wasm or w3c, not ${impl}`);
  const api = await import(name);
  if (impl !== 'node' && typeof api.default === 'function') await api.default();
  return api;
}

/** The parsed files of tests/vectors/, by file name. */
export async function loadVectors() {
  const dir = new URL('../vectors/', import.meta.url);
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  const files = await Promise.all(names.map(async (name) => JSON.parse(await readFile(new URL(name, dir), 'utf8'))));
  return Object.fromEntries(names.map((name, i) => [name, files[i]]));
}
