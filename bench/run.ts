/**
 * `npm run bench`: every benchmark of bench/, one after another (they share two cores: never in
 * parallel). `npm run bench -- e2e scoring` runs a subset.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : all;
for (const name of wanted) {
  if (!all.includes(name)) throw new Error(`no benchmark bench/${name}.ts (have: ${all.join(', ')})`);
  console.log(`\n=== bench/${name}.ts ===`);
  const mod = (await import(`./${name}.ts`)) as { run: () => Promise<void> };
  await mod.run();
}
