// The line protocol shared by both Node peers: one JSON request per line on
// stdin, one JSON answer per line on stdout (see tests/interop/README.md).
import { createInterface } from 'node:readline';

export async function serve(answer) {
  for await (const line of createInterface({ input: process.stdin })) {
    process.stdout.write(`${JSON.stringify(answer(JSON.parse(line)))}\n`);
  }
}

// Injected headers as sorted [name, value] pairs, the form every peer answers with.
export const sortedPairs = (headers) =>
  Object.entries(headers)
    .map(([name, value]) => [name, String(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
