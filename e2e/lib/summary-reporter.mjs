// Ends the output with the line `N passed, M failed` (CI reads it).
// A test skipped on purpose counts in neither (it is named on the line
// before); a test that did not run because the run broke off (the global
// setup failed, the run was interrupted) counts as failed.

import path from 'node:path';
import { ARTIFACTS } from './env.mjs';

export default class SummaryReporter {
  printsToStdio() {
    return true;
  }

  constructor() {
    this.started = Date.now();
  }

  onBegin(config, suite) {
    this.suite = suite;
  }

  onEnd(result) {
    let passed = 0;
    let failed = 0;
    let notRun = 0;
    const skipped = [];
    for (const t of this.suite ? this.suite.allTests() : []) {
      const outcome = t.outcome();
      if (outcome === 'expected') passed++;
      else if (outcome === 'unexpected' || outcome === 'flaky') failed++;
      else if (t.results.length === 0) notRun++;
      else skipped.push(t.titlePath().filter(Boolean).join(' › '));
    }
    if (result.status !== 'passed') failed += notRun;
    if (result.status !== 'passed' && failed === 0) failed = 1;
    for (const s of skipped) console.log(`# skipped: ${s}`);
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    console.log(`# ${secs} s; screenshots in ${path.relative(process.cwd(), ARTIFACTS) || '.'}, failures' screenshots and traces in ${path.relative(process.cwd(), path.join(ARTIFACTS, 'results'))}`);
    console.log(`${passed} passed, ${failed} failed`);
  }
}
