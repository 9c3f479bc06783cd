// Settings shared by the config, the global setup and the tests.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS = path.join(E2E_DIR, 'artifacts');
export const BIN = path.resolve(E2E_DIR, process.env.ZHUQI_BIN || '../target/debug/zhuqi');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// The instant the demo is built at and the server's clock starts from
// (`zhuqi demo --now`): a Wednesday, a working day. The same city, demands,
// colours and deadlines whatever the hour the suite runs. E2E_NOW overrides
// it; E2E_NOW=off runs the demo on the real clock.
export const FIXED_NOW = '2026-11-18T10:00:00+08:00';
export const DEMO_NOW = process.env.E2E_NOW === 'off' ? '' : process.env.E2E_NOW || FIXED_NOW;

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export const VIEWPORTS = {
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1366, height: 768 } },
};

export const PASSWORD = 'zhuqi-demo';

// The demo accounts whose sessions the global setup saves (signed in once
// through the form); tests open them with `signInAs`.
export const DEMO_USERS = [
  'admin',
  'auditor',
  'coordinator',
  'district-liandu',
  'handler-transport',
  'head-transport',
  'officer0001',
  'enterprise0001',
  'enterprise0002',
];

// Set by the global setup before the workers start (they inherit it).
export const base = () => {
  const b = process.env.E2E_BASE;
  if (!b) throw new Error('E2E_BASE is not set: run the suite through `npx playwright test` (the global setup starts zhuqi)');
  return b;
};
export const stateFile = (username) => path.join(process.env.E2E_STATE_DIR || '', `${username}.json`);
