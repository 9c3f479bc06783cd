// Signing in, the navigation of each role, the language switch, signing out.
// These tests sign in through the form (not from the saved sessions).

import {
  ALL_ENTERPRISES,
  ON_BOTH,
  ON_MOBILE,
  apiEnterpriseTotal,
  apiGet,
  apiToken,
  assert,
  expectErrorPage,
  pageTotal,
  pathOf,
  shot,
  signIn,
  test,
} from '../lib/zhuqi.mjs';

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

async function navKeys(page) {
  return page.$$eval('nav a[data-nav]', (as) => as.map((a) => a.dataset.nav));
}

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
      assert.ok(me.user.enterprise_id, '/api/v1/me has enterprise_id');
      await page.goto('/enterprises');
      assert.equal(await pageTotal(page), 1, 'an enterprise user sees only its own enterprise');
      await page.goto(`/enterprises/${me.user.enterprise_id}`);
      assert.equal((await page.locator('[data-testid=enterprise-name]').innerText()).trim(), me.user.enterprise_name);
      assert.ok((await page.locator('[data-testid=credit-code]').innerText()).trim().length > 0, 'credit code shown');
      const others = await apiGet(await apiToken('admin'), '/api/v1/enterprises?per_page=5');
      const other = others.items.find((e) => e.id !== me.user.enterprise_id);
      assert.ok(other, 'admin API lists another enterprise');
      await expectErrorPage(page, `/enterprises/${other.id}`, 404);
    },
  },
];

for (const acct of ACCOUNTS) {
  test(`${acct.username} signs in and sees the ${acct.role} pages`, ON_BOTH, async ({ page }, testInfo) => {
    await signIn(page, acct.username);
    assert.equal(pathOf(page), '/', 'lands on /');
    assert.equal(await page.getAttribute('body', 'data-role'), acct.role, 'body[data-role]');
    assert.equal(await page.locator('main[data-page]').count(), 1, 'main[data-page]');
    await shot(page, `${acct.role}-${testInfo.project.name}`);
    assert.ok((await page.locator('[data-testid=greeting]').innerText()).trim().length > 0, 'greeting');
    assert.ok(await page.locator('[data-testid=scope]').isVisible(), 'scope line');
    assert.ok((await page.locator('[data-testid=user]').innerText()).trim().length > 0, 'user in header');
    assert.equal((await page.locator('[data-testid=user-role]').innerText()).trim(), ROLE_LABEL_ZH[acct.role]);
    assert.equal(await page.locator('[data-testid=logout]').count(), 1, 'logout button');
    assert.match(await page.getAttribute('[data-testid=lang-switch]', 'href'), /^\/lang\/en\?next=/, 'lang link');
    // Who sees which navigation entry is the server's capability table:
    // read it from GET /api/v1/me instead of copying it here.
    const me = await (await page.request.get('/api/v1/me')).json();
    assert.equal(me.user.username, acct.username, '/api/v1/me with the page session');
    assert.equal(me.user.role, acct.role, '/api/v1/me role');
    assert.ok(Array.isArray(me.capabilities) && me.capabilities.length > 0, '/api/v1/me capabilities');
    assert.ok(me.nav.includes('home') && me.nav.includes('notifications'), '/api/v1/me nav');
    assert.deepEqual(await navKeys(page), me.nav, 'nav keys, in order, as /api/v1/me says');
    await acct.check({ page });
  });
}

test('a wrong password stays on the sign-in form', ON_BOTH, async ({ page }, testInfo) => {
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
  await shot(page, `login-error-${testInfo.project.name}`);
});

test('the language switch turns the pages to English and back', ON_BOTH, async ({ page }, testInfo) => {
  await signIn(page, 'admin');
  const navEnt = page.locator('nav a[data-nav=enterprises]');
  assert.equal((await navEnt.innerText()).trim(), '企业');
  await page.click('[data-testid=lang-switch]');
  await page.locator('html[lang=en]').waitFor();
  assert.equal(pathOf(page), '/', 'stays on the page');
  assert.equal((await navEnt.innerText()).trim(), 'Enterprises');
  assert.equal((await page.locator('[data-testid=user-role]').innerText()).trim(), 'City admin');
  assert.match(await page.getAttribute('[data-testid=lang-switch]', 'href'), /^\/lang\/zh\?next=/);
  await shot(page, `city_admin-en-${testInfo.project.name}`);
  await page.click('[data-testid=lang-switch]');
  await page.locator('html[lang^=zh]').waitFor();
  assert.equal((await navEnt.innerText()).trim(), '企业');
});

test('the admin pages do not overflow a 390 px phone', ON_MOBILE, async ({ page }) => {
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

test('signing out returns to the sign-in page', ON_BOTH, async ({ page }) => {
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
