// Drops every custom section of a WebAssembly module (names, producers, and the
// ones crates such as wasm-bindgen leave behind): the W3C-only module needs none.
// Usage: node strip.mjs in.wasm out.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
const bytes = readFileSync(input);
const kept = [bytes.subarray(0, 8)]; // magic and version
let at = 8;
while (at < bytes.length) {
  const start = at;
  const id = bytes[at++];
  let size = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = bytes[at++];
    size += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  at += size;
  if (id !== 0) kept.push(bytes.subarray(start, at));
}
writeFileSync(output, Buffer.concat(kept));
