/**
 * `npm run fuzz [-- RUNS]`: every property of test/fuzz/decoders.ts with RUNS cases each (default
 * FUZZ_RUNS, 100 000), printing the count and time of each; exit 1 on the first failure, with fast-check's
 * seed and counterexample.
 */
import { FUZZ_RUNS, PROPERTIES, runProperty } from './decoders.js';
import { runSealedProperty, SEALED_PROPERTIES } from './sealed.js';

const runs = Number(process.argv[2] ?? FUZZ_RUNS);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`usage: npm run fuzz [-- RUNS], not ${process.argv[2]}`);
  process.exit(2);
}
let total = 0;
const started = performance.now();
for (const entry of PROPERTIES) {
  const t0 = performance.now();
  try {
    total += runProperty(entry, runs);
  } catch (e) {
    console.error(`FAILED ${entry.name}:\n${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  console.log(
    `${String(runs).padStart(8)} cases  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${entry.name}`,
  );
}
for (const entry of SEALED_PROPERTIES) {
  const t0 = performance.now();
  let n = 0;
  try {
    n = await runSealedProperty(entry, runs);
  } catch (e) {
    console.error(`FAILED ${entry.name}:\n${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
  total += n;
  console.log(
    `${String(n).padStart(8)} cases  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${entry.name}`,
  );
}
console.log(
  `${String(total).padStart(8)} cases  ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s  in all, no failure`,
);
