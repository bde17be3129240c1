// `npm run build`: compiles src/**/*.ts to dist/ file by file (no bundle), ESM for Node 20, with
// source maps. dist/ mirrors src/, so paths that src resolves from import.meta.url
// (../../drizzle, ../../crontab) hold in dist/ too; an --outdir must likewise sit in the
// repository root. Files in the outdir that no source produces any more are removed afterwards
// (the outdir is never emptied first, so a server already running from it is not disturbed).
//
//   node scripts/build.mjs [--outdir dist] [--if-possible]
//
// --if-possible (npm's postinstall): does nothing where there is nothing to build with (an install
// without src/ or without the development dependencies, as the Docker image's).
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    outdir: { type: 'string', default: 'dist' },
    'if-possible': { type: 'boolean', default: false },
  },
});
let build;
try {
  if (!existsSync(path.join(root, 'src'))) throw new Error('no src/');
  ({ build } = await import('esbuild'));
} catch (error) {
  if (values['if-possible']) process.exit(0);
  throw error;
}
const outdir = path.resolve(root, values.outdir);
if (path.dirname(outdir) !== root) {
  throw new Error(`--outdir must be a directory in ${root} (src resolves ../../drizzle from it)`);
}

const src = path.join(root, 'src');
const entryPoints = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => path.join(src, file));

const started = performance.now();
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outbase: src,
  outdir,
  bundle: false,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});

const written = new Set(
  Object.keys(result.metafile.outputs).map((file) => path.resolve(root, file)),
);
for (const file of readdirSync(outdir, { recursive: true, encoding: 'utf8' })) {
  const full = path.join(outdir, file);
  if (!written.has(full) && /\.js(\.map)?$/.test(file)) rmSync(full);
}
const ms = Math.round(performance.now() - started);
console.log(`built ${entryPoints.length} files into ${path.relative(root, outdir)}/ in ${ms} ms`);
