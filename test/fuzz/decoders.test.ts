/** Every decoder, FUZZ_TEST_RUNS random and mutated cases each (test/fuzz/decoders.ts); `npm run fuzz` runs more. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FUZZ_TEST_RUNS, PROPERTIES, runProperty } from './decoders.js';
import { runSealedProperty, SEALED_PROPERTIES } from './sealed.js';

for (const entry of PROPERTIES) {
  test(`fuzz: ${entry.name} (${FUZZ_TEST_RUNS} cases)`, () => {
    assert.equal(runProperty(entry, FUZZ_TEST_RUNS), FUZZ_TEST_RUNS);
  });
}

for (const entry of SEALED_PROPERTIES) {
  const runs = Math.max(1, Math.floor(FUZZ_TEST_RUNS / entry.divisor));
  test(`fuzz: ${entry.name} (${runs} cases)`, async () => {
    assert.equal(await runSealedProperty(entry, FUZZ_TEST_RUNS), runs);
  });
}
