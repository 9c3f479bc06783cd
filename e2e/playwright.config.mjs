// Playwright test runner configuration for the zhuqi (助企) browser tests.
//
// The global setup starts `zhuqi demo` on the fixed clock (lib/env.mjs) and
// saves a session per demo account; the tests run one at a time (the server
// and its demo city are shared, and some tests compare a page with the API
// at one instant) on Debian's chromium, never a downloaded browser.

import { defineConfig } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS, VIEWPORTS } from './lib/env.mjs';

export default defineConfig({
  testDir: 'tests',
  testMatch: '*.spec.mjs',
  outputDir: 'artifacts/results',
  globalSetup: './lib/global-setup.mjs',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  forbidOnly: !!process.env.CI,
  reporter: [['list'], ['./lib/summary-reporter.mjs']],
  use: {
    locale: 'zh-CN',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    headless: true,
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    screenshot: { mode: 'only-on-failure', fullPage: true },
    trace: 'retain-on-failure',
  },
  // A test runs on the viewports it is tagged with (@mobile, @desktop).
  projects: [
    { name: 'mobile', use: { ...VIEWPORTS.mobile }, grep: /@mobile/ },
    { name: 'desktop', use: { ...VIEWPORTS.desktop }, grep: /@desktop/ },
  ],
});
