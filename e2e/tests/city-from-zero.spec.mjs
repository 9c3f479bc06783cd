// A city from zero in the browser: `zhuqi init` on an empty database (no
// demo), `zhuqi serve` on the fixed clock, then the city admin signs in with
// the printed one-time password and must change it; creates a district
// admin, a department and its handler; the district admin (forced to change
// too) imports the district's enterprises and officers from .xlsx; an
// officer is assigned; the enterprise's contact binds through its code on a
// phone, submits a demand and rates the reply (dispatch, sign and reply go
// through the API). This suite starts its own server: the demo one is not
// used.

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from '@playwright/test';
import { BIN, E2E_DIR, FIXED_NOW, VIEWPORTS } from '../lib/env.mjs';
import { assert, noOverflow, shot } from '../lib/zhuqi.mjs';

const FIXTURES = path.join(E2E_DIR, 'fixtures');

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

let dir;
let server;
let base;
let oneTime;

test.beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'zhuqi-city-'));
  const db = path.join(dir, 'lishui.db');
  const out = execFileSync(BIN, ['init', '--db', db, '--city', '331100', '--admin', 'admin'], {
    encoding: 'utf8',
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  const lines = out.split('\n').filter((l) => l.startsWith('password: '));
  assert.equal(lines.length, 1, `one password line in: ${out}`);
  oneTime = lines[0].slice('password: '.length).trim();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn(BIN, ['serve', '--db', db, '--listen', `127.0.0.1:${port}`, '--now', FIXED_NOW], {
    stdio: 'ignore',
    env: { ...process.env, RUST_LOG: 'warn' },
  });
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('zhuqi serve did not become healthy');
});

test.afterAll(async () => {
  server?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function api(token, method, url, body) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function login(username, password) {
  const res = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  assert.equal(res.status, 200, `login ${username}`);
  return (await res.json()).token;
}

// Signs in through the form with a one-time password: the change form
// comes first, and nothing else opens until the password is changed.
async function firstSignIn(page, username, otp, newPassword, shotName) {
  await page.goto(`${base}/login`);
  await page.fill('#username', username);
  await page.fill('#password', otp);
  await Promise.all([page.waitForURL((u) => u.pathname !== '/login', { waitUntil: 'load' }), page.click('form button[type=submit]')]);
  assert.equal(new URL(page.url()).pathname, '/me/password', `${username} is led to the change form`);
  assert.ok(await page.locator('[data-testid=must-change]').isVisible(), 'told why');
  await page.goto(`${base}/enterprises`);
  assert.equal(new URL(page.url()).pathname, '/me/password', 'every page leads back to the change form');
  if (shotName) await shot(page, shotName);
  await page.fill('#current_password', otp);
  await page.fill('#new_password', newPassword);
  await page.fill('#confirm_password', newPassword);
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=password-submit]')]);
  await page.goto(`${base}/`);
  assert.equal(new URL(page.url()).pathname, '/', `${username} gets in after the change`);
}

// Creates a user on /users and returns the one-time password shown once.
async function createUser(page, fields) {
  await page.goto(`${base}/users`);
  const form = page.locator('[data-testid=user-create]');
  await form.locator('#username').fill(fields.username);
  await form.locator('#display_name').fill(fields.display_name);
  await form.locator('#role').selectOption(fields.role);
  if (fields.district) await form.locator('#district_id').selectOption({ label: fields.district });
  if (fields.department) await form.locator('#department_id').selectOption({ label: fields.department });
  await Promise.all([page.waitForLoadState('load'), form.locator('button[type=submit]').click()]);
  const otp = page.locator('[data-testid=one-time-password]');
  assert.ok(await otp.isVisible(), `one-time password of ${fields.username} shown`);
  return (await otp.innerText()).trim();
}

test('a city made with zhuqi init runs from the first sign-in to a rated demand', { tag: '@desktop' }, async ({ page, browser }) => {
  // 1. The city admin: forced change, then people and a department.
  await firstSignIn(page, 'admin', oneTime, 'Lishui-admin-2026', 'city-1-must-change');
  const districtOtp = await createUser(page, { username: 'district-liandu', display_name: '莲都区管理员', role: 'district_admin', district: '莲都区' });
  await shot(page, 'city-2-one-time-password');
  await page.goto(`${base}/admin/departments`);
  await page.fill('form[action="/admin/departments"] input[name=name]', '丽水市营商环境建设办公室');
  await page.fill('form[action="/admin/departments"] input[name=short_name]', '营商办');
  await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=add-department-submit]')]);
  assert.match(await page.locator('main').innerText(), /丽水市营商环境建设办公室/);
  await shot(page, 'city-3-departments');
  const handlerOtp = await createUser(page, { username: 'handler-yingshang', display_name: '营商办承办人', role: 'dept_handler', department: '丽水市营商环境建设办公室' });
  await page.goto(`${base}/admin/regions`);
  assert.match(await page.locator('main').innerText(), /丽水经济技术开发区/);
  await shot(page, 'city-4-regions');

  // 2. The district admin imports the district's spreadsheets.
  const dctx = await browser.newContext({ ...VIEWPORTS.desktop, locale: 'zh-CN' });
  const dpage = await dctx.newPage();
  await firstSignIn(dpage, 'district-liandu', districtOtp, 'Liandu-admin-2026');
  for (const [kind, file] of [['enterprises', 'liandu-enterprises.xlsx'], ['officers', 'liandu-officers.xlsx']]) {
    await dpage.goto(`${base}/admin/import`);
    await dpage.selectOption('#kind', kind);
    await dpage.setInputFiles('#file', path.join(FIXTURES, file));
    await Promise.all([dpage.waitForLoadState('load'), dpage.click('[data-testid=import-submit]')]);
    assert.match(await dpage.locator('main').innerText(), /2/, `${kind}: the summary counts the rows`);
    await shot(dpage, `city-5-import-${kind}`);
  }
  await dctx.close();

  // 3. Assign, give the officer a password, issue a binding code (API).
  const district = await login('district-liandu', 'Liandu-admin-2026');
  const ents = await api(district, 'GET', '/api/v1/enterprises');
  assert.equal(ents.total, 2);
  const ent = ents.items.find((e) => e.name === '丽水瓯江阀门有限公司');
  const offs = await api(district, 'GET', '/api/v1/officers?q=officer-zhang');
  const officerId = offs.items[0].id;
  await api(district, 'PUT', `/api/v1/enterprises/${ent.id}/officer`, { officer_id: officerId, reason: '初始分配' });
  const reset = await api(district, 'POST', `/api/v1/users/${officerId}/reset-password`);
  const officerTok0 = await login('officer-zhang', reset.one_time_password);
  await api(officerTok0, 'POST', '/api/v1/me/password', { current_password: reset.one_time_password, new_password: 'Officer-zhang-26' });
  const officer = await login('officer-zhang', 'Officer-zhang-26');
  const code = await api(officer, 'GET', `/api/v1/enterprises/${ent.id}/code`);
  const otc = await api(officer, 'POST', `/api/v1/enterprises/${ent.id}/binding-codes`);

  // 4. The enterprise's contact binds on a phone and submits a demand.
  const mctx = await browser.newContext({ ...VIEWPORTS.mobile, locale: 'zh-CN' });
  const m = await mctx.newPage();
  await m.goto(`${base}${new URL(code.url).pathname}`);
  await m.fill('#name', '周建国');
  await m.fill('#phone', '13957800001');
  await m.fill('#password', 'Oujiang-valve-88');
  await m.fill('#code', otc.code);
  await Promise.all([m.waitForLoadState('load'), m.click('[data-testid=bind-submit]')]);
  await shot(m, 'city-6-bound');
  await m.goto(`${base}/login`);
  await m.fill('#username', '13957800001');
  await m.fill('#password', 'Oujiang-valve-88');
  await Promise.all([m.waitForURL((u) => u.pathname !== '/login', { waitUntil: 'load' }), m.click('form button[type=submit]')]);
  await m.goto(`${base}/demands/new`);
  await m.selectOption('#category', '0102');
  await m.fill('#title', '园区道路限行，原料车辆进不来');
  await m.fill('#description', '原料运输车辆无法进入园区，需要办理通行证。');
  await noOverflow(m, 'the demand form of a new city');
  await Promise.all([m.waitForURL((u) => /^\/demands\/\d+$/.test(u.pathname), { waitUntil: 'load' }), m.click('[data-testid=submit-demand]')]);
  const id = Number(new URL(m.url()).pathname.split('/').pop());
  await shot(m, 'city-7-submitted');

  // 5. Dispatched to the new department, signed and replied (API); rated on the phone.
  const admin = await login('admin', 'Lishui-admin-2026');
  const depts = await api(admin, 'GET', '/api/v1/departments');
  const yingshang = (depts.items || depts).find((d) => d.name === '丽水市营商环境建设办公室');
  await api(admin, 'POST', `/api/v1/demands/${id}/actions/dispatch`, { department_id: yingshang.id });
  const h0 = await login('handler-yingshang', handlerOtp);
  await api(h0, 'POST', '/api/v1/me/password', { current_password: handlerOtp, new_password: 'Handler-yingshang-1' });
  const handler = await login('handler-yingshang', 'Handler-yingshang-1');
  await api(handler, 'POST', `/api/v1/demands/${id}/actions/sign`, {});
  await api(handler, 'POST', `/api/v1/demands/${id}/actions/reply`, { text: '已协调交警部门办理通行证。' });
  await m.reload();
  await m.locator('details[data-action=rate] > summary').click();
  await m.selectOption('#rate-rating', 'very_satisfied');
  await Promise.all([m.waitForLoadState('load'), m.click('[data-testid=do-rate]')]);
  assert.equal(await m.locator('[data-testid=status]').getAttribute('data-status'), 'closed');
  await shot(m, 'city-8-rated');
  await mctx.close();
});
