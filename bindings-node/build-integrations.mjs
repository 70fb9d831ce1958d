// Builds the integration modules of js/integrations/ (subpath exports such as
// `tracewire/opentelemetry`) for one package, beside its entry:
//
//   node build-integrations.mjs node OUT_DIR   CommonJS `<name>.cjs` (the Node package)
//   node build-integrations.mjs wasm OUT_DIR   ES modules `<name>.js` (tracewire-wasm)
//
// Each module imports the API as `tracewire` and its siblings as `./<name>.mjs`;
// both become imports of the files beside it, so every module of a package shares
// the one API instance (and `scope`'s one storage). Other imports (`@opentelemetry/api`,
// `node:` modules) are left to the package's user. Types: js/integrations/<name>.d.ts.
// Run from the package's directory: esbuild comes from its devDependencies.
import { copyFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const { build } = createRequire(join(process.cwd(), 'package.json'))('esbuild');

const here = new URL('./js/integrations/', import.meta.url);

/** Per package: its modules, their format and extension, and its API entry. */
const targets = {
  node: {
    modules: ['scope', 'opentelemetry', 'fetch', 'logs', 'http', 'kafkajs'],
    format: 'cjs',
    // `node`: esbuild then lists the exports in a form Node's `import` of CommonJS reads.
    platform: 'node',
    extension: '.cjs',
    api: './index.cjs',
  },
  wasm: {
    modules: ['scope', 'opentelemetry', 'fetch', 'logs'],
    format: 'esm',
    platform: 'neutral',
    extension: '.js',
    api: './index.js',
  },
};

const [name, outDir] = process.argv.slice(2);
const target = targets[name];
if (target === undefined || outDir === undefined) {
  console.error('usage: node build-integrations.mjs node|wasm OUT_DIR');
  process.exit(2);
}

const siblings = {
  name: 'siblings',
  setup(plugin) {
    plugin.onResolve({ filter: /^tracewire$/ }, () => ({ path: target.api, external: true }));
    plugin.onResolve({ filter: /^\.\/[a-z]+\.mjs$/ }, ({ path }) => ({
      path: path.replace(/\.mjs$/, target.extension),
      external: true,
    }));
    plugin.onResolve({ filter: /^[^./]/ }, ({ path }) => ({ path, external: true }));
  },
};

await build({
  entryPoints: target.modules.map((module) => new URL(`${module}.mjs`, here).pathname),
  outdir: outDir,
  outExtension: { '.js': target.extension },
  bundle: true,
  format: target.format,
  platform: target.platform,
  target: 'es2022',
  plugins: [siblings],
  logLevel: 'warning',
});
await Promise.all(
  target.modules.map((module) => copyFile(new URL(`${module}.d.ts`, here), join(outDir, `${module}.d.ts`))),
);
