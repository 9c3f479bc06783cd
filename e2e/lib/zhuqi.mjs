// Fixtures and helpers shared by the spec files.
//
// `test` is Playwright's, extended with:
// - `baseURL`: the demo server the global setup started;
// - `page`: fails the test on any JavaScript error or console error of the
//   page;
// - `open(username, vp)`: a page of its own browser context (viewport
//   `mobile` or `desktop`) signed in as a demo account from its saved
//   session, for the tests where several roles act on one demand; each such
//   page is checked for script errors too and screenshot when the test fails.
//
// Tests are tagged with the viewports they run on (`@mobile`, `@desktop`):
// the config's projects pick them by tag.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { test as base } from '@playwright/test';
import { ARTIFACTS, PASSWORD, VIEWPORTS, base as baseUrl, stateFile } from './env.mjs';

export { assert, PASSWORD };

export const ALL_ENTERPRISES = 1254;
export const DEMO_DEMANDS = 576;

// Tags: the projects (viewports) a test runs on.
export const ON_BOTH = { tag: ['@mobile', '@desktop'] };
export const ON_MOBILE = { tag: '@mobile' };
export const ON_DESKTOP = { tag: '@desktop' };

// Collects the script errors of a page.
function watch(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    // A 4xx document (403/404 pages, the 401 sign-in form) is logged as
    // "Failed to load resource"; those statuses are asserted by the tests.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  return problems;
}

const savedCookies = (username) => JSON.parse(readFileSync(stateFile(username), 'utf8')).cookies;

export const test = base.extend({
  baseURL: async ({}, use) => {
    await use(baseUrl());
  },

  page: async ({ page }, use) => {
    const problems = watch(page);
    await use(page);
    assert.deepEqual(problems, [], 'no script errors on the pages');
  },

  open: async ({ browser, baseURL }, use, testInfo) => {
    const sessions = [];
    const open = async (username, vp) => {
      const context = await browser.newContext({ ...VIEWPORTS[vp], baseURL, locale: 'zh-CN', storageState: stateFile(username) });
      context.setDefaultTimeout(15_000);
      context.setDefaultNavigationTimeout(30_000);
      const page = await context.newPage();
      sessions.push({ username, vp, context, page, problems: watch(page) });
      await page.goto('/');
      assert.equal(pathOf(page), '/', `${username} lands on /`);
      return page;
    };
    let failed = false;
    try {
      await use(open);
      for (const s of sessions) assert.deepEqual(s.problems, [], `no script errors on the pages of ${s.username}`);
    } catch (e) {
      failed = true;
      throw e;
    } finally {
      if (failed || testInfo.status !== testInfo.expectedStatus) {
        for (const s of sessions) {
          const file = path.join(ARTIFACTS, `FAIL-demand-${s.username}-${s.vp}.png`);
          await s.page.screenshot({ path: file, fullPage: true }).catch(() => {});
          await testInfo.attach(`${s.username} (${s.vp}) at ${s.page.url()}`, { path: file, contentType: 'image/png' }).catch(() => {});
        }
      }
      for (const s of sessions) await s.context.close().catch(() => {});
    }
  },
});

export const pathOf = (page) => new URL(page.url()).pathname;

// Signs in through the form, as a person does.
export async function signIn(page, username, password = PASSWORD) {
  await page.goto('/login');
  assert.equal(await page.locator('main[data-page=login]').count(), 1, 'login page has main[data-page=login]');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((u) => u.pathname !== '/login', { waitUntil: 'load' }),
    page.click('form button[type=submit]'),
  ]);
}

// Takes the session a demo account got in the global setup and opens /.
// (Not for a test that signs out: that ends the shared session.)
export async function signInAs(page, username) {
  await page.context().addCookies(savedCookies(username));
  await page.goto('/');
  assert.equal(pathOf(page), '/', `${username} lands on /`);
}

export async function apiToken(username) {
  const res = await fetch(`${baseUrl()}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `API login of ${username}`);
  const body = await res.json();
  assert.ok(typeof body.token === 'string' && body.token.length > 0, 'API login returns a token');
  return body.token;
}

export async function apiGet(token, url) {
  const res = await fetch(`${baseUrl()}${url}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200, `GET ${url}`);
  return res.json();
}

export async function apiSend(token, method, url, body) {
  const res = await fetch(`${baseUrl()}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

// A request without a session token (the code-binding API).
export async function apiPublic(method, url, body) {
  return fetch(`${baseUrl()}${url}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export async function apiEnterpriseTotal(username) {
  const body = await apiGet(await apiToken(username), '/api/v1/enterprises?per_page=1');
  for (const k of ['items', 'total', 'page', 'per_page']) assert.ok(k in body, `enterprise list has ${k}`);
  assert.ok(Array.isArray(body.items));
  return body.total;
}

export async function pageTotal(page) {
  const v = await page.locator('[data-testid=total] b[data-total]').getAttribute('data-total');
  return Number(v);
}

// Opens a page and expects the error page with the given status.
export async function expectErrorPage(page, url, status) {
  const res = await page.goto(url);
  assert.equal(res.status(), status, `HTTP status of ${url}`);
  assert.equal(
    await page.locator(`main[data-page=error][data-status="${status}"]`).count(),
    1,
    `${url} shows the ${status} page`,
  );
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

// Clicks the nav link `key` and waits for its page.
export async function clickNav(page, key, pathname) {
  await Promise.all([
    page.waitForURL((u) => u.pathname === pathname, { waitUntil: 'load' }),
    page.click(`nav a[data-nav=${key}]`),
  ]);
}

export async function noOverflow(page, what) {
  const w = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(w <= 390 + 1, `${what}: no horizontal overflow at 390 px (scrollWidth ${w})`);
}

// ---------------------------------------------------------------- demands (诉求)

export const DEMAND_TITLE = '物流受限：原料运输车辆无法进入园区';
export const DEMAND_CATEGORY = '0102'; // 物流受阻/运输受限 → 交通运输局 (transport)
export const TRANSPORT = '交通运输局';

export async function demandStatus(page) {
  return page.locator('[data-testid=status]').getAttribute('data-status');
}

export async function expectStatus(page, status, after) {
  const got = await demandStatus(page);
  const flash = (await page.locator('[data-testid=flash]').count()) ? (await page.locator('[data-testid=flash]').innerText()).trim() : '';
  assert.equal(got, status, `status after ${after}${flash ? ` (flash: ${flash})` : ''}`);
}

// The enterprise of an enterprise user, from the API.
export async function enterpriseOfUser(username = 'enterprise0001') {
  const { user: me } = await apiGet(await apiToken(username), '/api/v1/me');
  assert.ok(me.enterprise_id && me.enterprise_name, `/api/v1/me of ${username} names its enterprise`);
  return { id: me.enterprise_id, name: me.enterprise_name };
}

// ---------------------------------------------------------------- images

// A real PNG (a w×h image of one colour), so that the browser can show it.
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export function pngImage(w = 48, h = 32, rgb = [0x2a, 0x7a, 0xc8]) {
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
