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
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const BIN = path.resolve(HERE, process.env.ZHUQI_BIN || '../target/debug/zhuqi');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const GREP = process.env.E2E_GREP || '';
const PASSWORD = 'zhuqi-demo';
const ALL_ENTERPRISES = 1254;
const DEMO_DEMANDS = 576;
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
  city_admin: ['home', 'dashboard', 'demands', 'visits', 'enterprises', 'officers', 'assignments', 'coverage', 'users', 'import', 'audit', 'notifications', 'categories', 'calendar', 'hot_issues'],
  district_admin: ['home', 'dashboard', 'demands', 'visits', 'enterprises', 'officers', 'assignments', 'coverage', 'users', 'import', 'notifications', 'categories', 'hot_issues'],
  coordinator: ['home', 'dashboard', 'demands', 'visits', 'enterprises', 'officers', 'coverage', 'notifications', 'hot_issues'],
  dept_head: ['home', 'dashboard', 'demands', 'visits', 'officers', 'notifications'],
  dept_handler: ['home', 'demands', 'notifications'],
  officer: ['home', 'demands', 'visits', 'enterprises', 'notifications'],
  enterprise_user: ['home', 'demands', 'my_officer', 'notifications'],
  auditor: ['home', 'dashboard', 'demands', 'visits', 'enterprises', 'officers', 'coverage', 'users', 'audit', 'notifications', 'hot_issues'],
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

// ---------------------------------------------------------------- demands (诉求)
//
// Several roles act on one demand, each in its own browser context (officer
// and enterprise on the phone, coordinator and handler on the laptop). The
// demo may hold hundreds of generated demands: the tests locate their own
// demand by id (walking the pager when needed) and never assume counts.

const DEMAND_TITLE = '物流受限：原料运输车辆无法进入园区';
const DEMAND_CATEGORY = '0102'; // 物流受阻/运输受限 → 交通运输局 (transport)
const TRANSPORT = '交通运输局';
const MAX_QUEUE_PAGES = 40;

// Runs `fn(open)` where `open(username, vp)` gives a signed-in page in a
// fresh context; checks every context for script errors and closes them.
async function withSessions(fn) {
  const sessions = [];
  const open = async (username, vp) => {
    const s = await newPage(vp);
    sessions.push({ username, vp, ...s });
    await signIn(s.page, username);
    assert.equal(pathOf(s.page), '/', `${username} lands on /`);
    return s.page;
  };
  try {
    await fn(open);
    for (const s of sessions) assert.deepEqual(s.problems, [], `no script errors on the pages of ${s.username}`);
  } catch (e) {
    for (const s of sessions) {
      await s.page
        .screenshot({ path: path.join(ARTIFACTS, `FAIL-demand-${s.username}-${s.vp}.png`), fullPage: true })
        .catch(() => {});
    }
    if (e && typeof e === 'object' && sessions.length) {
      e.pageUrl = sessions.map((s) => `${s.username}: ${s.page.url()}`).join(', ');
    }
    throw e;
  } finally {
    for (const s of sessions) await s.context.close().catch(() => {});
  }
}

async function apiSend(token, method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function demandStatus(page) {
  return page.locator('[data-testid=status]').getAttribute('data-status');
}

async function timelineLabels(page) {
  return page.$$eval('[data-testid=timeline] > li', (lis) => lis.map((li) => (li.querySelector('b')?.textContent || '').trim()));
}

// Clicks the nav link `key` and waits for its page.
async function clickNav(page, key, pathname) {
  await Promise.all([
    page.waitForURL((u) => u.pathname === pathname, { waitUntil: 'load' }),
    page.click(`nav a[data-nav=${key}]`),
  ]);
}

// The queue item of demand `id` on the current queue, following the pager.
async function findInQueue(page, id) {
  for (let n = 0; n < MAX_QUEUE_PAGES; n++) {
    const li = page.locator(`[data-testid=demand-list] li.demand[data-id="${id}"]`);
    if ((await li.count()) === 1) return li;
    const next = page.locator('[data-testid=next-page]');
    if ((await next.count()) === 0) break;
    const want = String((Number(new URL(page.url()).searchParams.get('page')) || 1) + 1);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.get('page') === want, { waitUntil: 'load' }),
      next.click(),
    ]);
  }
  assert.fail(`demand #${id} is in the queue of ${pathOf(page)}`);
}

// Opens demand `id` from the queue the page shows.
async function openFromQueue(page, id) {
  const li = await findInQueue(page, id);
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/demands/${id}`, { waitUntil: 'load' }),
    li.locator(`a[href="/demands/${id}"]`).click(),
  ]);
  assert.equal(await page.locator('main[data-page=demand]').count(), 1, 'demand page');
}

// Takes action `name` on the demand page: opens its details when it has
// fields, lets `fill(details)` fill them, submits and waits for the page to
// come back with the flash message.
async function act(page, id, name, fill, shotName) {
  const details = page.locator(`details.action[data-action="${name}"]`);
  assert.equal(await details.count(), 1, `action ${name} offered (offered: ${await offeredActions(page)})`);
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
  assert.ok(await details.evaluate((d) => d.open), `action ${name} opens`);
  if (fill) await fill(details);
  if (shotName) await shot(page, shotName);
  const back = page.waitForResponse(
    (r) => r.request().method() === 'GET' && r.request().resourceType() === 'document' && new URL(r.url()).pathname === `/demands/${id}`,
  );
  await details.locator(`[data-testid=do-${name}]`).click();
  await back;
  await page.waitForLoadState('load');
  const flash = page.locator('[data-testid=flash]');
  assert.ok(await flash.isVisible(), `flash after ${name}`);
  return (await flash.innerText()).trim();
}

async function offeredActions(page) {
  return (await page.$$eval('details.action[data-action]', (ds) => ds.map((d) => d.dataset.action))).join(', ') || 'none';
}

async function expectStatus(page, status, after) {
  const got = await demandStatus(page);
  const flash = (await page.locator('[data-testid=flash]').count()) ? (await page.locator('[data-testid=flash]').innerText()).trim() : '';
  assert.equal(got, status, `status after ${after}${flash ? ` (flash: ${flash})` : ''}`);
}

// enterprise0001's enterprise, from the API.
async function enterpriseOfUser(username = 'enterprise0001') {
  const me = await apiGet(await apiToken(username), '/api/v1/me');
  assert.ok(me.enterprise_id && me.enterprise_name, `/api/v1/me of ${username} names its enterprise`);
  return { id: me.enterprise_id, name: me.enterprise_name };
}

// officer0001 submits a demand for enterprise0001's enterprise through the
// form on the phone; returns its id.
async function submitAsOfficer(open, prefix, description) {
  const ent = await enterpriseOfUser();
  const off = await open('officer0001', 'mobile');
  await clickNav(off, 'demands', '/demands');
  assert.equal(await off.locator('[data-testid=demand-list]').count(), 1, 'officer queue list');
  await shot(off, `${prefix}-01-officer-queue`);
  await Promise.all([
    off.waitForURL((u) => u.pathname === '/demands/new', { waitUntil: 'load' }),
    off.click('[data-testid=new-demand]'),
  ]);
  const values = await off.$$eval('#enterprise_id option', (os) => os.map((o) => o.value));
  assert.ok(values.includes(String(ent.id)), `officer0001 may submit for ${ent.name} (#${ent.id})`);
  await off.selectOption('#enterprise_id', String(ent.id));
  assert.equal((await off.locator('#enterprise_id option:checked').innerText()).trim(), ent.name, 'enterprise option text');
  assert.equal(
    await off.locator(`#category option[value="${DEMAND_CATEGORY}"]`).count(),
    1,
    `category ${DEMAND_CATEGORY} is offered (is the dispatch catalogue seeded in the demo?)`,
  );
  await off.selectOption('#category', DEMAND_CATEGORY);
  assert.match(await off.locator('#category option:checked').innerText(), /物流受阻/, 'category 0102 is 物流受阻');
  await off.fill('#title', DEMAND_TITLE);
  await off.fill('#description', description);
  await off.selectOption('#urgency', 'normal');
  await shot(off, `${prefix}-02-new-form`);
  await Promise.all([
    off.waitForURL((u) => /^\/demands\/\d+$/.test(u.pathname), { waitUntil: 'load' }),
    off.click('[data-testid=submit-demand]'),
  ]);
  const id = Number(pathOf(off).split('/').pop());
  assert.equal((await off.locator('[data-testid=demand-title]').innerText()).trim(), DEMAND_TITLE, 'title shown');
  await expectStatus(off, 'submitted', 'submission');
  assert.ok((await off.locator('[data-testid=clocks]').innerText()).trim().length > 0, 'clocks shown');
  assert.ok((await timelineLabels(off)).length >= 1, 'timeline has the submission');
  await shot(off, `${prefix}-03-submitted`);
  return { id, ent };
}

// coordinator finds the demand in the 待受理 queue and dispatches it to 交通运输局.
async function dispatchAsCoordinator(open, prefix, id) {
  const co = await open('coordinator', 'desktop');
  await clickNav(co, 'demands', '/demands');
  assert.equal(
    (await co.locator('select[name=status] option:checked').innerText()).trim(),
    '待受理',
    'the coordinator queue defaults to 待受理',
  );
  const li = await findInQueue(co, id);
  assert.equal(await li.getAttribute('data-status'), 'submitted', 'queue item status');
  await shot(co, `${prefix}-04-coordinator-queue`);
  await openFromQueue(co, id);
  await expectStatus(co, 'submitted', 'opening');
  const flash = await act(
    co,
    id,
    'dispatch',
    async (d) => {
      const sel = d.locator('select[name=department_id]');
      const chosen = (await sel.locator('option:checked').innerText()).trim();
      if (!chosen.includes(TRANSPORT)) {
        const label = await sel.$$eval('option', (os, t) => os.map((o) => o.textContent.trim()).find((x) => x.includes(t)), TRANSPORT);
        assert.ok(label, `${TRANSPORT} is among the departments`);
        await sel.selectOption({ label });
      }
      assert.match(await sel.locator('option:checked').innerText(), new RegExp(TRANSPORT), 'lead department chosen');
    },
    `${prefix}-05-dispatch-form`,
  );
  await expectStatus(co, 'dispatched', `dispatch (${flash})`);
  assert.match(await co.locator('[data-testid=departments]').innerText(), new RegExp(TRANSPORT), 'lead department shown');
  await shot(co, `${prefix}-06-dispatched`);
}

// handler-transport finds it in the department queue, signs and replies.
async function handleAsTransport(open, prefix, id) {
  const h = await open('handler-transport', 'desktop');
  await clickNav(h, 'demands', '/demands');
  const li = await findInQueue(h, id);
  assert.equal(await li.getAttribute('data-status'), 'dispatched', 'department queue item status');
  await shot(h, `${prefix}-07-handler-queue`);
  await openFromQueue(h, id);
  await act(h, id, 'sign');
  await expectStatus(h, 'handling', 'sign');
  await shot(h, `${prefix}-08-signed`);
  await act(
    h,
    id,
    'reply',
    async (d) => {
      await d.locator('textarea[name=text]').fill('已协调交警部门为原料运输车辆办理园区通行证，车辆可于明日起按指定路线进入园区。');
    },
    `${prefix}-09-reply-form`,
  );
  let status = await demandStatus(h);
  if (status === 'under_review') {
    // The city requires a coordinator's review of replies.
    const co = await open('coordinator', 'desktop');
    await co.goto(`/demands/${id}`);
    await act(co, id, 'approve_reply');
    await co.goto(`/demands/${id}`);
    status = await demandStatus(co);
  }
  assert.equal(status, 'replied', 'status after reply');
  assert.ok(await h.locator('[data-testid=reply]').isVisible(), 'reply text shown');
  await shot(h, `${prefix}-10-replied`);
}

// enterprise0001 follows its notification to the demand and rates it.
async function rateAsEnterprise(open, prefix, id, rating) {
  const en = await open('enterprise0001', 'mobile');
  const badge = en.locator('nav a[data-nav=notifications] [data-testid=unread]');
  assert.ok(await badge.isVisible(), 'the unread badge shows');
  assert.ok(Number((await badge.innerText()).trim()) >= 1, 'unread count ≥ 1');
  await shot(en, `${prefix}-11-enterprise-home`);
  await clickNav(en, 'notifications', '/notifications');
  const item = en
    .locator('[data-testid=notifications] li')
    .filter({ has: en.locator(`input[name=demand_id][value="${id}"]`) })
    .first();
  assert.ok(await item.isVisible(), `a notification about demand #${id}`);
  await shot(en, `${prefix}-12-notifications`);
  await Promise.all([
    en.waitForURL((u) => u.pathname === `/demands/${id}`, { waitUntil: 'load' }),
    item.locator('button[type=submit]').click(),
  ]);
  await expectStatus(en, 'replied', 'opening from the notification');
  await act(en, id, 'rate', async (d) => d.locator('select[name=rating]').selectOption(rating), `${prefix}-13-rate-form`);
  return en;
}

test('a demand walks from submission to closed through four roles', async () => {
  await withSessions(async (open) => {
    const { id } = await submitAsOfficer(open, 'demand', '园区道路施工封闭，原料运输车辆被拦在园区外，已影响正常生产，请协调临时通行。');
    await dispatchAsCoordinator(open, 'demand', id);
    await handleAsTransport(open, 'demand', id);
    const en = await rateAsEnterprise(open, 'demand', id, 'very_satisfied');
    await expectStatus(en, 'closed', 'rating very_satisfied');
    const labels = await timelineLabels(en);
    assert.ok(labels.length >= 5, `timeline has ≥ 5 entries, got ${labels.length}: ${labels.join(' / ')}`);
    assert.equal(await en.locator('details.action[data-action=rate]').count(), 0, 'no second rating');
    await shot(en, 'demand-14-closed');
  });
});

test('a dissatisfied rating sends the demand back for 重办', async () => {
  await withSessions(async (open) => {
    const { id } = await submitAsOfficer(open, 'demand-redo', '原料运输车辆仍无法进入园区，请再次协调。');
    await dispatchAsCoordinator(open, 'demand-redo', id);
    await handleAsTransport(open, 'demand-redo', id);
    const en = await rateAsEnterprise(open, 'demand-redo', id, 'dissatisfied');
    await expectStatus(en, 'handling', 'rating dissatisfied');
    const labels = await timelineLabels(en);
    assert.ok(labels.some((l) => l.includes('重办')), `a 重办 entry in the timeline: ${labels.join(' / ')}`);
    await shot(en, 'demand-redo-14-reopened');
    // Back in the department's queue, to be handled again.
    const h = await open('handler-transport', 'desktop');
    await h.goto('/demands');
    assert.equal(await (await findInQueue(h, id)).getAttribute('data-status'), 'handling', 'back in the department queue');
    await shot(h, 'demand-redo-15-handler-queue');
  });
});

test("the coordinator's queue and the department queue", async () => {
  // Seed through the API so the queues are not empty without generated demands.
  const ent = await enterpriseOfUser();
  const officer = await apiToken('officer0001');
  const coordinator = await apiToken('coordinator');
  const seed = (t) =>
    apiSend(officer, 'POST', '/api/v1/demands', { enterprise_id: ent.id, category: DEMAND_CATEGORY, title: t, description: `${t}（e2e 队列测试）` });
  const waiting = await seed('物流受限：队列测试（待受理）');
  const routed = await seed('物流受限：队列测试（已派单）');
  const depts = await apiGet(coordinator, '/api/v1/departments');
  const transport = (depts.items || depts).find((d) => d.code === 'transport');
  assert.ok(transport, 'the transport department exists');
  await apiSend(coordinator, 'POST', `/api/v1/demands/${routed.id}/actions/dispatch`, { department_id: transport.id });

  await withSessions(async (open) => {
    const co = await open('coordinator', 'desktop');
    await clickNav(co, 'demands', '/demands');
    const statuses = await co.$$eval('[data-testid=demand-list] li.demand', (lis) => lis.map((li) => li.dataset.status));
    assert.ok(statuses.length > 0, 'the coordinator queue is not empty');
    assert.deepEqual([...new Set(statuses)], ['submitted'], 'the coordinator queue shows only 待受理');
    assert.ok((await pageTotal(co)) >= statuses.length, 'total ≥ items shown');
    await findInQueue(co, waiting.id);
    await shot(co, 'demand-queue-coordinator');

    const h = await open('handler-transport', 'desktop');
    await clickNav(h, 'demands', '/demands');
    const rows = await h.$$eval('[data-testid=demand-list] li.demand', (lis) =>
      lis.map((li) => {
        const spans = li.querySelectorAll(':scope > span');
        const info = (spans[0]?.textContent || '').split(' · ').map((s) => s.trim());
        const dl = (spans[1]?.textContent || '').match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
        return { id: li.dataset.id, status: li.dataset.status, lead: info.length >= 4 ? info[info.length - 1] : '', deadline: dl ? dl[0] : '' };
      }),
    );
    assert.ok(rows.length > 0, 'the department queue is not empty');
    // Items led by another department are there because transport assists (协办).
    const notLed = rows.filter((r) => !r.lead.includes(TRANSPORT));
    const ht = await apiToken('handler-transport');
    for (const r of notLed) {
      const d = await apiGet(ht, `/api/v1/demands/${r.id}`);
      const assists = (d.departments || []).some((x) => String(x[1]).includes(TRANSPORT) && x[2] === 'assist');
      assert.ok(assists, `queue item #${r.id} is neither led nor assisted by ${TRANSPORT}`);
    }
    const bad = rows.filter((r) => !['dispatched', 'handling', 'suspended'].includes(r.status));
    assert.deepEqual(bad, [], 'the department queue shows work in hand');
    const shown = rows.map((r) => r.deadline);
    const firstBlank = shown.indexOf('');
    const dated = firstBlank < 0 ? shown : shown.slice(0, firstBlank);
    if (firstBlank >= 0) assert.ok(shown.slice(firstBlank).every((d) => d === ''), 'items without a deadline come last');
    assert.deepEqual(dated, [...dated].sort(), 'the department queue is sorted by deadline');
    await findInQueue(h, routed.id);
    await shot(h, 'demand-queue-transport');
  });
});

test("an enterprise user cannot open another enterprise's demand [mobile]", async ({ page }) => {
  const ent = await enterpriseOfUser();
  const admin = await apiToken('admin');
  const list = await apiGet(admin, '/api/v1/demands?per_page=50');
  let other = list.items.find((d) => d.enterprise_id !== ent.id);
  if (!other) {
    // No demand of another enterprise yet: the admin submits one.
    const ents = await apiGet(admin, '/api/v1/enterprises?per_page=5');
    const e = ents.items.find((x) => x.id !== ent.id);
    assert.ok(e, 'admin API lists another enterprise');
    other = await apiSend(admin, 'POST', '/api/v1/demands', {
      enterprise_id: e.id,
      category: DEMAND_CATEGORY,
      title: '物流受限：其他企业的诉求',
      description: '用于检查企业用户不能查看其他企业的诉求（e2e）。',
    });
  }
  assert.notEqual(other.enterprise_id, ent.id);
  await signIn(page, 'enterprise0001');
  await expectErrorPage(page, `/demands/${other.id}`, 404);
  await shot(page, 'demand-404-other-enterprise');
  const api = await page.request.get(`/api/v1/demands/${other.id}`);
  assert.equal(api.status(), 404, 'the API hides it too');
});

// ---------------------------------------------------------------- visits (走访)
//
// An officer records a visit on the phone from "today" and turns the need
// found into a demand; district and city roles read who is behind, the
// compliance chart and the door-knock campaign. The demo holds four months
// of generated visits: the tests never assume exact counts.

const VISIT_NEEDS = '企业反映：原料运输车辆无法进入园区，需协调通行（e2e）';

// A real PNG (a w×h image of one colour), so that the browser can show it.
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function pngImage(w = 48, h = 32, rgb = [0x2a, 0x7a, 0xc8]) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function noOverflow(page, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 390 + 1, `${what}: no horizontal overflow at 390 px (scrollWidth ${w})`);
}

test('an officer records a visit with a photo on the phone and turns a need into a demand [mobile]', async ({ page }) => {
  await signIn(page, 'officer0001');
  await clickNav(page, 'visits', '/visits');
  assert.equal(await page.locator('main[data-page=visits-today]').count(), 1, 'the officer lands on "today"');
  const items = page.locator('[data-testid=today-list] li');
  assert.ok((await items.count()) >= 1, 'today lists the enterprises served');
  await noOverflow(page, '/visits');
  await shot(page, 'visit-01-today');
  const enterpriseId = await items.first().getAttribute('data-enterprise');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/visits/new', { waitUntil: 'load' }),
    items.first().locator('[data-testid=record-visit]').click(),
  ]);
  assert.equal(await page.inputValue('#enterprise_id'), enterpriseId, 'the enterprise is chosen');
  assert.ok(await page.locator('input[name=mode][value=on_site]').isChecked(), '上门 by default');
  assert.ok((await page.inputValue('#started_at')).length >= 16, 'the start defaults to now');
  assert.ok(!(await page.locator('#needs').isVisible()), 'a role hides its fields until ticked');
  await page.check('#role_difficulty');
  assert.ok(await page.locator('#needs').isVisible(), 'ticking 困难协调员 reveals its field');
  await page.fill('#needs', VISIT_NEEDS);
  await page.check('#role_confidence');
  await page.selectOption('#production_status', 'normal');
  await page.fill('#staff_situation', '在岗120人，用工稳定');
  await page.fill('#notes', '走访e2e');
  await page.setInputFiles('#photos', { name: '车间现场.png', mimeType: 'image/png', buffer: pngImage() });
  await noOverflow(page, '/visits/new');
  await shot(page, 'visit-02-form');
  await Promise.all([
    page.waitForURL((u) => /^\/visits\/\d+$/.test(u.pathname), { waitUntil: 'load' }),
    page.click('[data-testid=save-visit]'),
  ]);
  const visitId = Number(pathOf(page).split('/').pop());
  assert.ok(await page.locator('[data-testid=flash]').isVisible(), 'saved message');
  assert.equal(await page.locator('[data-testid=visit-mode]').getAttribute('data-mode'), 'on_site');
  const roles = await page.locator('[data-testid=visit-roles]').innerText();
  assert.match(roles, /信心传递员/, 'roles shown');
  assert.match(roles, /困难协调员/, 'roles shown');
  assert.equal(await page.locator('[data-testid=edit-visit]').count(), 1, 'editable by its author');
  // The photo went with the visit and is shown (served as an image, so it loads).
  const photo = page.locator('[data-testid=visit-photos] img');
  assert.equal(await photo.count(), 1, 'the photo is on the visit');
  await photo.scrollIntoViewIfNeeded();
  await page.waitForFunction(() => { const i = document.querySelector('[data-testid=visit-photos] img'); return i && i.complete; });
  assert.equal(await photo.evaluate((i) => i.naturalWidth), 48, 'the photo loads as an image');
  assert.match(await page.locator('[data-testid=visit-photos]').innerText(), /车间现场\.png/, 'named as uploaded');
  // Another photo afterwards, from the visit page.
  await page.setInputFiles('#visit-photo', { name: 'gate.png', mimeType: 'image/png', buffer: pngImage(20, 20, [200, 60, 40]) });
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/visits/${visitId}`, { waitUntil: 'load' }),
    page.click('[data-testid=visit-attach-submit]'),
  ]);
  assert.equal(await page.locator('[data-testid=visit-photos] img').count(), 2, 'a second photo added');
  await noOverflow(page, `/visits/${visitId}`);
  await shot(page, 'visit-03-recorded');
  // The need becomes a demand: the form is open and pre-filled from the needs.
  const need = page.locator('[data-testid=need-to-demand]');
  assert.ok(await need.evaluate((d) => d.open), 'the need → demand form is open');
  assert.equal(await need.locator('#description').inputValue(), VISIT_NEEDS, 'description pre-filled');
  assert.ok((await need.locator('#title').inputValue()).length > 0, 'title pre-filled');
  await need.locator('#category').selectOption(DEMAND_CATEGORY);
  await Promise.all([
    page.waitForURL((u) => /^\/demands\/\d+$/.test(u.pathname), { waitUntil: 'load' }),
    need.locator('[data-testid=submit-need]').click(),
  ]);
  const demandId = Number(pathOf(page).split('/').pop());
  await expectStatus(page, 'submitted', 'the need became a demand');
  await shot(page, 'visit-04-demand');
  await page.goto(`/visits/${visitId}`);
  assert.equal(await page.locator(`[data-testid=linked-demands] li[data-demand="${demandId}"]`).count(), 1, 'linked both ways');
  // It is in "this month" on "today".
  await clickNav(page, 'visits', '/visits');
  assert.equal(await page.locator(`[data-testid=mine-list] li[data-id="${visitId}"]`).count(), 1, 'listed this month');
});

test('a district admin sees who is behind and the compliance chart [desktop]', async ({ page }) => {
  await signIn(page, 'district-liandu');
  await clickNav(page, 'visits', '/visits');
  const districts = await page.$$eval('[data-testid=visit-list] li', (lis) => lis.map((li) => li.dataset.district));
  assert.ok(districts.length > 0, 'the district has visits');
  assert.deepEqual([...new Set(districts)], ['莲都区'], 'only the district’s visits');
  await page.click('[data-testid=sub-behind]');
  await page.waitForURL((u) => u.pathname === '/visits/behind', { waitUntil: 'load' });
  assert.ok(await page.locator('[data-testid=behind-summary]').isVisible(), 'behind summary');
  const behind = await page.$$eval('[data-testid=behind-table] tbody tr', (trs) => trs.map((tr) => tr.dataset.district));
  assert.ok(behind.every((d) => d === '莲都区'), 'behind rows are the district’s');
  await page.goto('/visits/compliance');
  const rows = await page.$$eval('[data-testid=district-compliance] tbody tr', (trs) => trs.map((tr) => tr.dataset.district));
  assert.deepEqual(rows, ['莲都区'], 'one district row');
  assert.ok((await page.locator('[data-testid=compliance-chart] svg polyline').count()) >= 1, 'the chart has a line');
  assert.equal(await page.locator('[data-testid=rule-form]').count(), 0, 'only the city sets the rule');
  await shot(page, 'visit-05-compliance-district');
});

test('the city sees compliance per district and the completed door-knock campaign [desktop]', async ({ page }) => {
  await signIn(page, 'admin');
  await page.goto('/visits/compliance');
  const rows = await page.locator('[data-testid=district-compliance] tbody tr').count();
  assert.ok(rows >= 9, `a row per district, got ${rows}`);
  assert.ok((await page.locator('[data-testid=compliance-chart] svg polyline').count()) >= rows, 'a line per district');
  assert.equal(await page.locator('[data-testid=rule-form]').count(), 1, 'the city admin sets the rule');
  await shot(page, 'visit-06-compliance-city');
  await page.goto('/visits/campaigns');
  const campaign = page.locator('[data-testid=campaign-list] li[data-state=finished]').first();
  assert.equal(await campaign.count(), 1, 'a finished campaign');
  await Promise.all([
    page.waitForURL((u) => /^\/visits\/campaigns\/\d+$/.test(u.pathname), { waitUntil: 'load' }),
    campaign.locator('a').click(),
  ]);
  const summary = page.locator('[data-testid=campaign-summary]');
  assert.equal(await summary.locator('[data-enterprises]').getAttribute('data-enterprises'), String(ALL_ENTERPRISES));
  assert.equal(await summary.locator('[data-visited]').getAttribute('data-visited'), String(ALL_ENTERPRISES), 'every enterprise visited');
  await shot(page, 'visit-07-campaign');
});

// ---------------------------------------------------------------- enterprise code (企业码)
//
// A person of an enterprise opens the enterprise's code URL on the phone,
// binds with a one-time code the officer got through the API, signs in with
// the phone, submits a demand with a photo and, after the coordinator and
// the handler dispatch, sign and reply through the API, rates the reply.

test('an enterprise person binds with a one-time code, submits a demand with a photo and rates the reply [mobile]', async ({ page }) => {
  const ent = await enterpriseOfUser('enterprise0001');
  const officer = await apiToken('officer0001');
  const code = await apiGet(officer, `/api/v1/enterprises/${ent.id}/code`);
  assert.match(code.url, /\/c\/[0-9a-f]{32}$/, 'the code URL carries a 128-bit token');
  const otc = await apiSend(officer, 'POST', `/api/v1/enterprises/${ent.id}/binding-codes`);
  assert.match(otc.code, /^\d{8}$/);

  // 1. Scan (open) the code.
  const res = await page.goto(new URL(code.url).pathname);
  assert.equal(res.status(), 200);
  assert.equal((await page.locator('[data-testid=code-enterprise]').textContent()).trim(), ent.name);
  await noOverflow(page, 'code landing');
  await shot(page, 'ecode-1-landing');

  // 2. Bind with the one-time code.
  const phone = `198${String(Date.now() % 1e8).padStart(8, '0')}`;
  const pw = 'e2e-bind-pass';
  await page.fill('#name', '叶晓明');
  await page.fill('#phone', phone);
  await page.fill('#password', pw);
  await page.fill('#code', otc.code);
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=bind-submit]')]);
  await page.waitForSelector('[data-testid=bind-result][data-status=bound]');
  await shot(page, 'ecode-2-bound');
  // The code is single use.
  const again = await fetch(`${base}/api/v1/codes/${code.url.split('/').pop()}/bind`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: '某人', phone: '19811112222', password: pw, code: otc.code }),
  });
  assert.equal(again.status, 422, 'a used one-time code does not bind again');

  // 3. Sign in with the phone.
  await signIn(page, phone, pw);
  assert.equal(pathOf(page), '/');
  assert.equal((await page.locator('[data-testid=user-role]').textContent()).trim(), '企业用户');
  await shot(page, 'ecode-3-home');

  // 4. Submit a demand with a photo taken on the phone; add a document afterwards.
  await page.goto('/demands/new');
  await page.selectOption('#category', DEMAND_CATEGORY);
  await page.fill('#title', '企业码：原料车辆无法进入园区（e2e）');
  await page.fill('#description', '扫码绑定后提交：运输车辆被拦在园区外，请协调通行。');
  await page.selectOption('#urgency', 'urgent');
  await page.setInputFiles('#files', { name: '园区门口.png', mimeType: 'image/png', buffer: pngImage(64, 40, [30, 140, 60]) });
  await noOverflow(page, 'submit form');
  await shot(page, 'ecode-4-form');
  await Promise.all([
    page.waitForURL((u) => /^\/demands\/\d+$/.test(u.pathname), { waitUntil: 'load' }),
    page.click('[data-testid=submit-demand]'),
  ]);
  const id = Number(pathOf(page).split('/').pop());
  assert.equal(await demandStatus(page), 'submitted');
  assert.match(await page.locator('[data-testid=attachments]').innerText(), /园区门口\.png/, 'the photo came with the demand');
  await shot(page, 'ecode-4-submitted');
  await page.setInputFiles('#attachment-file', { name: '通行证申请.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') });
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=attach-submit]')]);
  assert.equal(await page.locator('[data-testid=attachments] li[data-attachment]').count(), 2, 'a document added on the page');
  await noOverflow(page, 'demand page');
  await shot(page, 'ecode-5-photo');

  // 5. Dispatched, signed and replied through the API.
  const coordinator = await apiToken('coordinator');
  const depts = await apiGet(coordinator, '/api/v1/departments');
  const transport = (depts.items || depts).find((d) => d.code === 'transport');
  await apiSend(coordinator, 'POST', `/api/v1/demands/${id}/actions/dispatch`, { department_id: transport.id });
  const handler = await apiToken('handler-transport');
  await apiSend(handler, 'POST', `/api/v1/demands/${id}/actions/sign`, {});
  await apiSend(handler, 'POST', `/api/v1/demands/${id}/actions/reply`, { text: '已协调交警，车辆凭通行证进入园区。' });

  // 6. The enterprise rates the reply.
  await page.reload();
  assert.equal(await demandStatus(page), 'replied');
  assert.ok((await page.locator('[data-testid=reply]').textContent()).includes('通行证'));
  await page.locator('details[data-action=rate] > summary').click();
  await page.selectOption('#rate-rating', 'very_satisfied');
  await page.fill('#rate-comment', '很快，谢谢！');
  await shot(page, 'ecode-6-rating');
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=do-rate]')]);
  assert.equal(await demandStatus(page), 'closed');
  await shot(page, 'ecode-7-rated');

  // 7. My officer.
  await page.goto('/my-officer');
  assert.ok((await page.locator('[data-testid=officer-name]').count()) === 1, 'my officer is shown');
  await shot(page, 'ecode-8-my-officer');
});

test('a replaced code shows a friendly page and the officer prints the poster [mobile]', async ({ page }) => {
  const ent = await enterpriseOfUser('enterprise0002');
  const admin = await apiToken('admin');
  const code = await apiGet(admin, `/api/v1/enterprises/${ent.id}/code`);
  const rotated = await apiSend(admin, 'POST', `/api/v1/enterprises/${ent.id}/code/rotate`);
  assert.notEqual(rotated.url, code.url);
  const res = await page.goto(new URL(code.url).pathname);
  assert.equal(res.status(), 404);
  assert.equal(await page.locator('[data-testid=code-missing]').count(), 1);
  await shot(page, 'ecode-replaced-404');
  await signIn(page, 'admin');
  await page.goto(`/enterprises/${ent.id}`);
  assert.equal(await page.locator('[data-testid=enterprise-code] img').count(), 1, 'the code section shows the QR');
  assert.ok((await page.locator('[data-testid=code-url]').textContent()).endsWith(rotated.url.split('/').pop()));
  await noOverflow(page, 'enterprise page with its code');
  await shot(page, 'ecode-enterprise-page');
  await page.goto(`/enterprises/${ent.id}/poster`);
  assert.equal(await page.locator('[data-testid=poster] svg').count(), 1);
  assert.ok((await page.locator('[data-testid=poster]').textContent()).includes(ent.name));
  await shot(page, 'ecode-poster');
});

test('the officer approves a pending binding from the home page and the person signs in by phone [mobile]', async ({ page }) => {
  await signIn(page, 'officer0001');
  const pending = page.locator('[data-testid=home-pending-bindings] li');
  assert.ok((await pending.count()) >= 1, 'the demo has binding requests waiting for officer0001');
  await shot(page, 'ecode-officer-home-pending');
  await Promise.all([page.waitForLoadState('load'), pending.first().locator('a').click()]);
  const li = page.locator('[data-testid=pending-bindings] li', { hasText: '19900000001' });
  assert.equal(await li.count(), 1, 'the request of 19900000001 is on the enterprise page');
  await Promise.all([page.waitForLoadState('load'), li.locator('button[data-testid^=approve-]').click()]);
  assert.equal(await page.locator('[data-testid=pending-bindings] li', { hasText: '19900000001' }).count(), 0);
  assert.ok((await page.locator('[data-testid=enterprise-users]').textContent()).includes('19900000001'));
  await shot(page, 'ecode-officer-approved');
  await page.click('[data-testid=logout]');
  await signIn(page, '19900000001');
  assert.equal((await page.locator('[data-testid=user-role]').textContent()).trim(), '企业用户');
});

// ---------------------------------------------------------------- runner

// ---------------------------------------------------------------- hot issues (热点问题)

// The flagged 物流受限 wave of the demo (found by `zhuqi demo` right after the build).
async function logisticsWave(token) {
  const list = await apiGet(token, '/api/v1/hot-issues?per_page=100');
  for (const k of ['items', 'total', 'page', 'per_page']) assert.ok(k in list, `hot-issue list has ${k}`);
  const waves = list.items.filter((i) => i.category_code === '0102' && i.key_terms.some((t) => t.includes('通行') || t.includes('物流')));
  assert.equal(waves.length, 1, `one 物流受限 wave among ${JSON.stringify(list.items.map((i) => [i.category_code, i.key_terms]))}`);
  return waves[0];
}

test('the coordinator opens /hot-issues, sees the 物流受限 wave and confirms it [mobile]', async ({ page }) => {
  const token = await apiToken('coordinator');
  const wave = await logisticsWave(token);
  assert.equal(wave.status, 'flagged', 'the wave waits for a decision');
  // The 12 planted demands of 11 enterprises in 4 districts; depending on the
  // day and hour the demo is built, ordinary 0102 demands with the same
  // symptom (trucks that cannot enter the park) fall near the week and join
  // it by single link, one after the other (seen: two, on 2026-11-27 03:16).
  // Demands made by earlier browser tests (ids after the demo's 576) may join
  // too if the server's periodic detection ran meanwhile: they are set aside.
  const all = (await apiGet(token, `/api/v1/hot-issues/${wave.id}`)).members;
  const planted = all.filter((m) => m.demand_id <= DEMO_DEMANDS);
  const extras = planted.filter((m) => !m.title.startsWith('物流受限'));
  assert.equal(planted.length - extras.length, 12, '12 planted demands');
  assert.ok(extras.length <= 3 && extras.every((m) => m.title.includes('园区')), `extras: ${JSON.stringify(extras)}`);
  assert.equal(wave.demand_count, all.length, 'demands');
  assert.ok(wave.enterprise_count >= 11 + extras.length, 'enterprises');
  assert.ok(wave.district_count >= 4, 'in 4 districts or more');
  await signIn(page, 'coordinator');
  assert.equal(await page.locator('nav a[data-nav=hot_issues]').getAttribute('href'), '/hot-issues', 'hot issues in the nav');
  await page.goto('/hot-issues');
  const item = page.locator(`[data-testid=hot-issue-list] li[data-id="${wave.id}"]`);
  assert.equal(await item.count(), 1, 'the wave is listed');
  assert.equal(await item.getAttribute('data-status'), 'flagged');
  const counts = new RegExp(`${wave.demand_count}\\s*条诉求.*${wave.enterprise_count}\\s*家企业.*${wave.district_count}\\s*个片区`);
  assert.match(await item.locator('[data-testid=hot-counts]').innerText(), counts, 'counts in Chinese');
  await noOverflow(page, '/hot-issues');
  await shot(page, 'hot-01-list');
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/hot-issues/${wave.id}`, { waitUntil: 'load' }),
    item.locator('a').first().click(),
  ]);
  const members = await page.$$eval('[data-testid=hot-members] li', (lis) => lis.map((li) => Number(li.dataset.id)));
  const detail = await apiGet(token, `/api/v1/hot-issues/${wave.id}`);
  assert.deepEqual(members.sort(), detail.members.map((m) => m.demand_id).sort(), 'the page lists the API’s members');
  assert.equal(members.length, wave.demand_count);
  assert.match(await page.locator('[data-testid=hot-terms]').innerText(), /通行/, 'shared key terms (通行证, or 通行 once same-symptom demands joined)');
  assert.equal((await page.locator('[data-testid=hot-districts]').innerText()).split('、').length, wave.district_count, 'every district named');
  assert.deepEqual(detail.allowed_actions, ['confirm', 'merge', 'dismiss']);
  await noOverflow(page, 'hot issue detail');
  await shot(page, 'hot-02-detail');
  await Promise.all([
    page.waitForURL((u) => u.pathname === `/hot-issues/${wave.id}` && u.search.includes('msg='), { waitUntil: 'load' }),
    page.click('[data-testid=do-confirm]'),
  ]);
  assert.equal(await page.locator('[data-testid=hot-status]').getAttribute('data-status'), 'confirmed', 'confirmed on the page');
  assert.ok(await page.locator('[data-testid=flash]').isVisible(), 'a saved message');
  assert.match(await page.locator('[data-testid=hot-decided]').innerText(), /平台受理员/, 'who decided');
  const after = await apiGet(token, `/api/v1/hot-issues/${wave.id}`);
  assert.equal(after.status, 'confirmed', 'confirmed in the API');
  assert.equal(after.decided_by_name, '平台受理员');
  assert.deepEqual(after.events.map((e) => e.kind), ['flagged', 'confirmed']);
  await shot(page, 'hot-03-confirmed');
});

test('a district admin reads the wave touching the district without actions, in English [desktop]', async ({ page }) => {
  await signIn(page, 'district-liandu');
  await page.goto('/lang/en?next=/hot-issues');
  await page.waitForURL((u) => u.pathname === '/hot-issues', { waitUntil: 'load' });
  assert.equal(await page.locator('h1').innerText(), 'Hot issues');
  const item = page.locator('[data-testid=hot-issue-list] li').first();
  assert.equal(await item.count(), 1, 'the wave touches 莲都区');
  await Promise.all([page.waitForURL((u) => /^\/hot-issues\/\d+$/.test(u.pathname), { waitUntil: 'load' }), item.locator('a').first().click()]);
  const districts = await page.$$eval('[data-testid=hot-members] li', (lis) => lis.map((li) => li.innerText));
  assert.ok(districts.length > 0 && districts.every((t) => t.includes('莲都区')), 'only the district’s member demands');
  assert.ok(await page.locator('[data-testid=hot-hidden]').isVisible(), 'the others are counted');
  assert.equal(await page.locator('[data-testid=actions]').count(), 0, 'no decisions for a district admin');
  await shot(page, 'hot-04-district-en');
  await page.goto('/lang/zh?next=/');
});

// ---------------------------------------------------------------- metrics, dashboard (驾驶舱)
//
// The dashboard's tiles must show exactly what GET /api/v1/metrics/dashboard
// answers for the same user (rates formatted as on the page: one decimal
// percent, "—" when undefined), its status bars must add up to the month's
// demands, and the "received" tile must open the list of exactly those demands.

function fmtMetric(key, v) {
  if (v === null || v === undefined) return '—';
  if (key.includes('rate')) return `${(v * 100).toFixed(1)}%`;
  if (key === 'mean_reply_days') return v.toFixed(2);
  return String(v);
}

async function dashboardMatchesApi(page, username) {
  await signIn(page, username);
  await clickNav(page, 'dashboard', '/dashboard');
  assert.equal(await page.locator('main[data-page=dashboard] [data-testid=dashboard]').count(), 1, 'the dashboard');
  const api = await apiGet(await apiToken(username), '/api/v1/metrics/dashboard');
  const tiles = await page.$$eval('[data-testid=tiles] a[data-metric]', (as) =>
    as.map((a) => ({
      key: a.dataset.metric,
      value: a.querySelector('[data-value]').textContent.trim(),
      city: a.querySelector('[data-city-value]') ? a.querySelector('[data-city-value]').textContent.trim() : null,
      href: a.getAttribute('href'),
    })),
  );
  assert.ok(tiles.length >= 10, `tiles shown (${tiles.length})`);
  for (const t of tiles) {
    assert.equal(t.value, fmtMetric(t.key, api.figures[t.key]), `${username}: tile ${t.key} equals the API`);
    if (t.city !== null) assert.equal(t.city, fmtMetric(t.key, api.city[t.key]), `${username}: city ${t.key}`);
  }
  const statusSum = (await page.$$eval('[data-testid=chart-status] a[data-value]', (as) => as.map((a) => Number(a.dataset.value))))
    .reduce((a, b) => a + b, 0);
  assert.equal(statusSum, api.figures.received, `${username}: the status bars add up to the month's demands`);
  assert.equal(await page.locator('[data-testid=hot-issues-link]').getAttribute('href'), '/hot-issues');
  assert.equal(
    (await page.locator('[data-testid=red-total]').innerText()).trim(),
    String(api.red_total),
    `${username}: red right now`,
  );
  return { api, tiles };
}

test('the dashboard shows the city admin the numbers of the API, on a 1920×1080 screen', async ({ page }) => {
  await page.setViewportSize({ width: 1920, height: 1080 });
  const { api } = await dashboardMatchesApi(page, 'admin');
  assert.ok(api.figures.received > 0, 'the demo has demands this month');
  assert.equal(api.scope.kind, 'city');
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 1920, `no horizontal overflow at 1920 px (${w})`);
  await shot(page, 'dashboard-city-1920');
  // Click-through: the "received" tile lists exactly those demands.
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/demands', { waitUntil: 'load' }),
    page.click('[data-testid=tiles] a[data-metric=received]'),
  ]);
  assert.equal(await pageTotal(page), api.figures.received, 'the list behind "received"');
});

test('the dashboard shows a department head their department beside the city, as the API does [mobile]', async ({ page }) => {
  const { api } = await dashboardMatchesApi(page, 'head-transport');
  assert.equal(api.scope.kind, 'department');
  assert.ok(api.city.received >= api.figures.received, 'the city total is at least the department');
  assert.equal(await page.locator('[data-testid=chart-department]').count(), 0, 'no other departments in detail');
  await noOverflow(page, '/dashboard');
  await shot(page, 'dashboard-department-mobile');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/demands', { waitUntil: 'load' }),
    page.click('[data-testid=tiles] a[data-metric=received]'),
  ]);
  assert.equal(await pageTotal(page), api.figures.received, "the list behind the department's \"received\"");
});

test('an enterprise user rates their officer once a quarter from the phone [mobile]', async ({ page }) => {
  await signIn(page, 'enterprise0002');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/my-officer/rate', { waitUntil: 'load' }),
    page.click('[data-testid=rate-officer-link]'),
  ]);
  await noOverflow(page, '/my-officer/rate');
  await page.check('input[name=score][value="4"]');
  await page.fill('#comment', '走访及时（e2e）');
  await shot(page, 'officer-rate-form-mobile');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/my-officer/rate', { waitUntil: 'load' }),
    page.click('[data-testid=rate-submit]'),
  ]);
  assert.match(await page.locator('[data-testid=rated]').innerText(), /4/, 'the rating is shown');
  const res = await fetch(`${base}/api/v1/officer-ratings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await apiToken('enterprise0002')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ score: 5 }),
  });
  assert.equal(res.status, 409, 'a second rating in the quarter is refused');
  assert.match((await res.json()).error.message, /每季度只能评价一次/);
});

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
    if (e && typeof e === 'object' && !e.pageUrl) e.pageUrl = page.url();
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
