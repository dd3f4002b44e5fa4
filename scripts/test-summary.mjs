// Prints the closing line of a test run from vitest's JSON report: "N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`fangyi tests: no report at ${file} (${error.message})`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
// A file can fail outside its tests (it did not load, or a beforeAll threw): that is a failure too.
const brokenFiles = (report.testResults ?? []).filter(
  (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
);
for (const f of brokenFiles)
  console.log(
    `fangyi tests: ${f.name} failed outside its tests: ${String(f.message).split('\n')[0]}`,
  );
const skippedNames = (report.testResults ?? []).flatMap((f) =>
  (f.assertionResults ?? [])
    .filter((a) => a.status === 'pending' || a.status === 'skipped')
    .map((a) => a.fullName),
);
for (const name of skippedNames) console.log(`skipped: ${name}`);
console.log(`${passed} passed, ${failed + brokenFiles.length} failed, ${skipped} skipped`);
if (passed === 0) {
  console.log('fangyi tests: no test ran');
  process.exit(1);
}
process.exit(failed + brokenFiles.length > 0 ? 1 : 0);
