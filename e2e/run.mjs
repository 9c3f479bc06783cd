// Browser tests of zhuqi (助企) against the demo city.
//
// Starts `zhuqi demo` on a free loopback port with a fresh database in a
// temp dir, drives headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) through every demo role on a phone and a laptop
// viewport, and ends with the line `N passed, M failed`.
//
// Env: ZHUQI_BIN (server binary, default ../target/debug/zhuqi),
//      CHROMIUM (browser, default /usr/bin/chromium),
//      E2E_GREP (run only the tests whose name contains this text).

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const BIN = path.resolve(HERE, process.env.ZHUQI_BIN || '../target/debug/zhuqi');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const GREP = process.env.E2E_GREP || '';
const PASSWORD = 'zhuqi-demo';
const ALL_ENTERPRISES = 1254;
const HEALTH_TIMEOUT_MS = 120_000;
const TEST_TIMEOUT_MS = 90_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const VIEWPORTS = {
  mobile: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
  desktop: { viewport: { width: 1366, height: 768 } },
};

const NAV = {
  city_admin: ['home', 'enterprises', 'officers', 'assignments', 'coverage', 'users', 'import', 'audit'],
  district_admin: ['home', 'enterprises', 'officers', 'assignments', 'coverage', 'users', 'import'],
  coordinator: ['home', 'enterprises', 'officers', 'coverage'],
  dept_head: ['home', 'officers'],
  dept_handler: ['home'],
  officer: ['home', 'enterprises'],
  enterprise_user: ['home'],
  auditor: ['home', 'enterprises', 'officers', 'coverage', 'users', 'audit'],
};

const ROLE_LABEL_ZH = {
  city_admin: '市级管理员',
  district_admin: '片区管理员',
  coordinator: '平台受理员',
  dept_handler: '部门承办人',
  dept_head: '部门负责人',
  officer: '助企服务员',
  enterprise_user: '企业用户',
  auditor: '审计员',
};

// ---------------------------------------------------------------- server

let base = '';
let server = null;
let tmpDir = '';

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

async function startServer() {
  if (!existsSync(BIN)) {
    throw new Error(`zhuqi binary not found at ${BIN}: run \`cargo build -p zhuqi\` in the workspace or set ZHUQI_BIN`);
  }
  tmpDir = mkdtempSync(path.join(os.tmpdir(), 'zhuqi-e2e-'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const logFile = path.join(ARTIFACTS, 'server.log');
  const log = createWriteStream(logFile);
  const args = ['demo', '--db', path.join(tmpDir, 'demo.db'), '--listen', `127.0.0.1:${port}`];
  console.log(`# starting ${BIN} ${args.join(' ')}`);
  server = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'info' } });
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
        return;
      }
    } catch {
      // not listening yet
    }
    await sleep(250);
  }
  throw new Error(`zhuqi not healthy after ${HEALTH_TIMEOUT_MS / 1000} s; log tail:\n${tail(logFile)}`);
}

async function stopServer() {
  if (server && server.exitCode === null && server.signalCode === null) {
    const gone = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    const t = setTimeout(() => server.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(t);
  }
  server = null;
  if (tmpDir) {
    rmSync(tmpDir, { recursive: true, force: true });
    tmpDir = '';
  }
}

// Last resort if the runner dies without reaching `finally`.
process.on('exit', () => {
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    console.error(`# ${sig}: stopping`);
    process.exit(130);
  });
}

// ---------------------------------------------------------------- helpers

let browser = null;

async function newPage(vpName) {
  const context = await browser.newContext({ ...VIEWPORTS[vpName], baseURL: base, locale: 'zh-CN' });
  context.setDefaultTimeout(15_000);
  context.setDefaultNavigationTimeout(30_000);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx document (403/404 pages, the 401 sign-in form) is logged as
    // "Failed to load resource"; those statuses are asserted by the tests.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  return { context, page, problems };
}

const pathOf = (page) => new URL(page.url()).pathname;

async function signIn(page, username, password = PASSWORD) {
  await page.goto('/login');
  assert.equal(await page.locator('main[data-page=login]').count(), 1, 'login page has main[data-page=login]');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login', { waitUntil: 'load' }),
    page.click('form button[type=submit]'),
  ]);
}

async function apiToken(username) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `API login of ${username}`);
  const body = await res.json();
  assert.ok(typeof body.token === 'string' && body.token.length > 0, 'API login returns a token');
  return body.token;
}

async function apiGet(token, url) {
  const res = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
}

async function apiEnterpriseTotal(username) {
  const body = await apiGet(await apiToken(username), '/api/v1/enterprises?per_page=1');
  for (const k of ['items', 'total', 'page', 'per_page']) assert.ok(k in body, `enterprise list has ${k}`);
  assert.ok(Array.isArray(body.items));
  return body.total;
}

async function navKeys(page) {
  return page.$$eval('nav a[data-nav]', (as) => as.map((a) => a.dataset.nav));
}

async function pageTotal(page) {
  const v = await page.locator('[data-testid=total] b[data-total]').getAttribute('data-total');
  return Number(v);
}

// Opens a page and expects the error page with the given status.
async function expectErrorPage(page, url, status) {
  const res = await page.goto(url);
  assert.equal(res.status(), status, `HTTP status of ${url}`);
  assert.equal(
    await page.locator(`main[data-page=error][data-status="${status}"]`).count(),
    1,
    `${url} shows the ${status} page`,
  );
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// ---------------------------------------------------------------- tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

const ACCOUNTS = [
  {
    username: 'admin',
    role: 'city_admin',
    async check({ page }) {
      for (const k of ['enterprises', 'officers', 'unassigned', 'idle']) {
        const n = await page.locator(`.stat[data-stat=${k}] b`).innerText();
        assert.match(n.trim(), /^\d+$/, `stat ${k} is a number`);
      }
      const statTotal = Number((await page.locator('.stat[data-stat=enterprises] b').innerText()).trim());
      assert.equal(statTotal, ALL_ENTERPRISES, 'home stat: enterprises');
      await page.goto('/enterprises');
      assert.ok(await page.locator('[data-testid=enterprise-table]').isVisible());
      const total = await pageTotal(page);
      assert.equal(total, ALL_ENTERPRISES, '/enterprises total');
      assert.equal(await apiEnterpriseTotal('admin'), total, 'API total equals the page total');
    },
  },
  {
    username: 'auditor',
    role: 'auditor',
    async check({ page }) {
      await page.goto('/audit');
      const table = page.locator('[data-testid=audit-table]');
      await table.waitFor();
      const logins = table.locator('tbody tr').filter({ has: page.locator('td', { hasText: /^login$/ }) });
      assert.ok((await logins.count()) >= 1, 'audit table has a login row');
    },
  },
  {
    username: 'coordinator',
    role: 'coordinator',
    async check({ page }) {
      await page.goto('/enterprises');
      const total = await pageTotal(page);
      assert.equal(total, ALL_ENTERPRISES, 'a city-wide coordinator sees every enterprise');
      assert.equal(await apiEnterpriseTotal('coordinator'), total, 'API total equals the page total');
      await page.goto('/coverage');
      assert.ok(await page.locator('[data-testid=coverage-table]').isVisible(), 'coverage table');
    },
  },
  {
    username: 'district-liandu',
    role: 'district_admin',
    async check({ page }) {
      await page.goto('/enterprises');
      const total = await pageTotal(page);
      const districts = await page.$$eval('[data-testid=enterprise-table] tbody tr', (trs) =>
        trs.map((tr) => tr.getAttribute('data-district')),
      );
      assert.ok(districts.length > 0, 'the table has rows');
      assert.deepEqual([...new Set(districts)], ['莲都区'], 'every row is in 莲都区');
      const apiTotal = await apiEnterpriseTotal('district-liandu');
      assert.equal(total, apiTotal, 'page total equals the API total');
      assert.ok(total > 0 && total < ALL_ENTERPRISES, `district total ${total} is below the city's`);
    },
  },
  {
    username: 'handler-transport',
    role: 'dept_handler',
    async check({ page }) {
      await expectErrorPage(page, '/enterprises', 403);
    },
  },
  {
    username: 'head-transport',
    role: 'dept_head',
    async check({ page }) {
      await page.goto('/officers');
      assert.ok(await page.locator('[data-testid=officer-table]').isVisible(), 'officer table');
    },
  },
  {
    username: 'officer0001',
    role: 'officer',
    async check({ page }) {
      const homeCount = await page.locator('[data-testid=home-list] li').count();
      await page.goto('/enterprises');
      const total = await pageTotal(page);
      assert.ok(total >= 1 && total <= 3, `officer0001 serves 1–3 enterprises, got ${total}`);
      assert.equal(homeCount, total, 'home list length equals the /enterprises total');
    },
  },
  {
    username: 'enterprise0001',
    role: 'enterprise_user',
    async check({ page }) {
      const mine = page.locator('[data-testid=my-enterprise]');
      assert.ok(await mine.isVisible(), 'home shows my-enterprise');
      assert.ok((await mine.locator('[data-testid=my-officer]').innerText()).trim().length > 0, 'my-officer named');
      const me = await (await page.request.get('/api/v1/me')).json();
      assert.ok(me.enterprise_id, '/api/v1/me has enterprise_id');
      await page.goto('/enterprises');
      assert.equal(await pageTotal(page), 1, 'an enterprise user sees only its own enterprise');
      await page.goto(`/enterprises/${me.enterprise_id}`);
      assert.equal((await page.locator('[data-testid=enterprise-name]').innerText()).trim(), me.enterprise_name);
      assert.ok((await page.locator('[data-testid=credit-code]').innerText()).trim().length > 0, 'credit code shown');
      const others = await apiGet(await apiToken('admin'), '/api/v1/enterprises?per_page=5');
      const other = others.items.find((e) => e.id !== me.enterprise_id);
      assert.ok(other, 'admin API lists another enterprise');
      await expectErrorPage(page, `/enterprises/${other.id}`, 404);
    },
  },
];

for (const vp of Object.keys(VIEWPORTS)) {
  for (const acct of ACCOUNTS) {
    test(`${acct.username} signs in and sees the ${acct.role} pages [${vp}]`, async ({ page }) => {
      await signIn(page, acct.username);
      assert.equal(pathOf(page), '/', 'lands on /');
      assert.equal(await page.getAttribute('body', 'data-role'), acct.role, 'body[data-role]');
      assert.equal(await page.locator('main[data-page]').count(), 1, 'main[data-page]');
      await shot(page, `${acct.role}-${vp}`);
      assert.ok((await page.locator('[data-testid=greeting]').innerText()).trim().length > 0, 'greeting');
      assert.ok(await page.locator('[data-testid=scope]').isVisible(), 'scope line');
      assert.ok((await page.locator('[data-testid=user]').innerText()).trim().length > 0, 'user in header');
      assert.equal((await page.locator('[data-testid=user-role]').innerText()).trim(), ROLE_LABEL_ZH[acct.role]);
      assert.equal(await page.locator('[data-testid=logout]').count(), 1, 'logout button');
      assert.match(await page.getAttribute('[data-testid=lang-switch]', 'href'), /^\/lang\/en\?next=/, 'lang link');
      assert.deepEqual([...(await navKeys(page))].sort(), [...NAV[acct.role]].sort(), 'nav keys');
      const me = await (await page.request.get('/api/v1/me')).json();
      assert.equal(me.username, acct.username, '/api/v1/me with the page session');
      assert.equal(me.role, acct.role, '/api/v1/me role');
      await acct.check({ page });
    });
  }
}

for (const vp of Object.keys(VIEWPORTS)) {
  test(`a wrong password stays on the sign-in form [${vp}]`, async ({ page }) => {
    await page.goto('/login');
    await page.fill('#username', 'admin');
    await page.fill('#password', 'not-the-password');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
      page.click('form button[type=submit]'),
    ]);
    await page.waitForLoadState('load');
    assert.equal(res.status(), 401, 'POST /login status');
    assert.equal(pathOf(page), '/login');
    assert.ok(await page.locator('[data-testid=login-error]').isVisible(), 'login-error shown');
    assert.equal(await page.inputValue('#username'), 'admin', 'username kept');
    assert.equal(await page.getAttribute('body', 'data-role'), null, 'not signed in');
    await shot(page, `login-error-${vp}`);
  });
}

for (const vp of Object.keys(VIEWPORTS)) {
  test(`the language switch turns the pages to English and back [${vp}]`, async ({ page }) => {
    await signIn(page, 'admin');
    const navEnt = page.locator('nav a[data-nav=enterprises]');
    assert.equal((await navEnt.innerText()).trim(), '企业');
    await page.click('[data-testid=lang-switch]');
    await page.locator('html[lang=en]').waitFor();
    assert.equal(pathOf(page), '/', 'stays on the page');
    assert.equal((await navEnt.innerText()).trim(), 'Enterprises');
    assert.equal((await page.locator('[data-testid=user-role]').innerText()).trim(), 'City admin');
    assert.match(await page.getAttribute('[data-testid=lang-switch]', 'href'), /^\/lang\/zh\?next=/);
    await shot(page, `city_admin-en-${vp}`);
    await page.click('[data-testid=lang-switch]');
    await page.locator('html[lang^=zh]').waitFor();
    assert.equal((await navEnt.innerText()).trim(), '企业');
  });
}

test('the admin pages do not overflow a 390 px phone [mobile]', async ({ page }) => {
  await signIn(page, 'admin');
  const over = [];
  for (const url of ['/', '/enterprises', '/officers']) {
    await page.goto(url);
    const w = await page.evaluate(() => document.documentElement.scrollWidth);
    await shot(page, `overflow-city_admin${url === '/' ? '-home' : url.replace('/', '-')}-mobile`);
    if (w > 390 + 1) over.push(`${url}: scrollWidth ${w}`);
  }
  assert.deepEqual(over, [], 'no horizontal overflow');
});

for (const vp of Object.keys(VIEWPORTS)) {
  test(`signing out returns to the sign-in page [${vp}]`, async ({ page }) => {
    await signIn(page, 'officer0001');
    assert.equal(pathOf(page), '/');
    await Promise.all([page.waitForURL((u) => u.pathname === '/login'), page.click('[data-testid=logout]')]);
    assert.equal(await page.locator('main[data-page=login]').count(), 1);
    await page.goto('/');
    assert.equal(pathOf(page), '/login', '/ redirects to /login after sign-out');
    assert.equal(new URL(page.url()).searchParams.get('next'), '/', 'with next=/');
    const me = await page.request.get('/api/v1/me');
    assert.equal(me.status(), 401, 'the session is gone for the API too');
  });
}

// ---------------------------------------------------------------- runner

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
    }),
  ]);
}

function describe(e) {
  let msg = e && e.message ? e.message : String(e);
  if (e && e.code === 'ERR_ASSERTION' && !e.generatedMessage && !msg.includes('\n')) {
    msg += `: got ${inspect(e.actual)}, expected ${inspect(e.expected)}`;
  }
  return e && e.pageUrl ? `${msg}\n(page: ${e.pageUrl})` : msg;
}

const slug = (s) => s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-|-$/g, '');

async function runTest(t) {
  const vp = t.name.includes('[mobile]') ? 'mobile' : 'desktop';
  const { context, page, problems } = await newPage(vp);
  try {
    await withTimeout(t.fn({ page, context }), TEST_TIMEOUT_MS, t.name);
    assert.deepEqual(problems, [], 'no script errors on the pages');
  } catch (e) {
    await page
      .screenshot({ path: path.join(ARTIFACTS, `FAIL-${slug(t.name)}.png`), fullPage: true })
      .catch(() => {});
    if (e && typeof e === 'object') e.pageUrl = page.url();
    throw e;
  } finally {
    await context.close().catch(() => {});
  }
}

async function main() {
  const t0 = Date.now();
  mkdirSync(ARTIFACTS, { recursive: true });
  const selected = tests.filter((t) => t.name.includes(GREP));
  let passed = 0;
  let failed = 0;
  try {
    await startServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    console.log(`# chromium ${browser.version()}, ${selected.length} tests`);
    for (const t of selected) {
      const start = Date.now();
      try {
        await runTest(t);
        passed++;
        console.log(`ok   ${t.name} (${Date.now() - start} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name} (${Date.now() - start} ms)`);
        console.log(`    ${describe(e).replace(/\n/g, '\n    ')}`);
      }
    }
  } catch (e) {
    failed += Math.max(1, selected.length - passed - failed);
    console.log(`FAIL setup: ${e && e.message ? e.message : e}`);
  } finally {
    if (browser) await browser.close().catch(() => {});
    await stopServer();
  }
  console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${path.relative(process.cwd(), ARTIFACTS) || '.'}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
