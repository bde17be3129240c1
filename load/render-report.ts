/** `npx tsx load/render-report.ts <results.json> [out.html]`: renders a saved run's report again. */
import { readFileSync, writeFileSync } from 'node:fs';
import { type RunResult, renderHtml } from './report.js';

const [input, output = 'load/results/report.html'] = process.argv.slice(2);
if (!input) {
  console.error('usage: npx tsx load/render-report.ts <results.json> [out.html]');
  process.exit(2);
}
writeFileSync(output, renderHtml(JSON.parse(readFileSync(input, 'utf8')) as RunResult));
console.log(output);
