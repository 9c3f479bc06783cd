// Global setup: starts `zhuqi demo` on a free loopback port with a fresh
// database in a temp dir (on the fixed clock, see env.mjs), waits for
// GET /healthz, signs each demo account in once through the form and saves
// its session (storage state). Returns the teardown, which stops the server
// and removes the temp dir.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { ARTIFACTS, BIN, CHROMIUM, CHROMIUM_ARGS, DEMO_NOW, DEMO_USERS, PASSWORD, VIEWPORTS, stateFile } from './env.mjs';

const HEALTH_TIMEOUT_MS = 120_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function tail(file, lines = 40) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function startServer(tmpDir) {
  if (!existsSync(BIN)) {
    throw new Error(`zhuqi binary not found at ${BIN}: run \`cargo build -p zhuqi\` in the workspace or set ZHUQI_BIN`);
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const logFile = path.join(ARTIFACTS, 'server.log');
  const log = createWriteStream(logFile);
  const args = ['demo', '--db', path.join(tmpDir, 'demo.db'), '--listen', `127.0.0.1:${port}`];
  if (DEMO_NOW) args.push('--now', DEMO_NOW);
  console.log(`# starting ${BIN} ${args.join(' ')}`);
  const server = spawn(BIN, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info' },
  });
  server.stdout.pipe(log);
  server.stderr.pipe(log);
  let exited = null;
  server.on('exit', (code, signal) => {
    exited = { code, signal };
  });
  const started = Date.now();
  while (Date.now() - started < HEALTH_TIMEOUT_MS) {
    if (exited) {
      await sleep(100);
      throw new Error(`zhuqi exited early (${JSON.stringify(exited)}); log tail:\n${tail(logFile)}`);
    }
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) {
        console.log(`# zhuqi healthy at ${base} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        return { server, base };
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  server.kill('SIGKILL');
  throw new Error(`zhuqi not healthy after ${HEALTH_TIMEOUT_MS / 1000} s; log tail:\n${tail(logFile)}`);
}

async function stopServer(server) {
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    const t = setTimeout(() => server.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
}

// Signs each demo account in through the form once and saves its cookies.
async function saveSessions(base) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    console.log(`# chromium ${browser.version()}`);
    for (const username of DEMO_USERS) {
      const context = await browser.newContext({ ...VIEWPORTS.desktop, baseURL: base, locale: 'zh-CN' });
      try {
        const page = await context.newPage();
        await page.goto('/login');
        await page.fill('#username', username);
        await page.fill('#password', PASSWORD);
        await Promise.all([
          page.waitForURL((u) => u.pathname !== '/login', { waitUntil: 'load' }),
          page.click('form button[type=submit]'),
        ]);
        if (new URL(page.url()).pathname !== '/') throw new Error(`${username} did not land on / after signing in (${page.url()})`);
        await context.storageState({ path: stateFile(username) });
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
}

export default async function globalSetup() {
  mkdirSync(ARTIFACTS, { recursive: true });
  // The failure screenshots of an earlier run would read as this run's.
  for (const f of readdirSync(ARTIFACTS)) if (f.startsWith('FAIL-')) rmSync(path.join(ARTIFACTS, f), { force: true });
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'zhuqi-e2e-'));
  let server = null;
  const cleanup = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(tmpDir, { recursive: true, force: true });
  };
  // Last resort if the runner dies without reaching the teardown.
  process.on('exit', cleanup);
  try {
    const started = await startServer(tmpDir);
    server = started.server;
    process.env.E2E_BASE = started.base;
    process.env.E2E_STATE_DIR = path.join(tmpDir, 'state');
    mkdirSync(process.env.E2E_STATE_DIR, { recursive: true });
    await saveSessions(started.base);
  } catch (e) {
    await stopServer(server);
    cleanup();
    throw e;
  }
  // The global teardown.
  return async () => {
    await stopServer(server);
    cleanup();
    process.off('exit', cleanup);
  };
}
