/**
 * `npx tsx load/render-report.ts <results.json> [out.html|out.md]`: renders a saved run again,
 * as the HTML report or (for a .md name, e.g. load/BASELINE.md) as Markdown tables.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { type RunResult, renderHtml, renderMarkdown } from './report.js';

const [input, output = 'load/results/report.html'] = process.argv.slice(2);
if (!input) {
  console.error('usage: npx tsx load/render-report.ts <results.json> [out.html|out.md]');
  process.exit(2);
}
const result = JSON.parse(readFileSync(input, 'utf8')) as RunResult;
writeFileSync(output, output.endsWith('.md') ? renderMarkdown(result) : renderHtml(result));
console.log(output);
