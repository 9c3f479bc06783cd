// Metrics: the dashboard (驾驶舱) and an enterprise's quarterly rating of its
// officer.
//
// The dashboard's tiles must show exactly what GET /api/v1/metrics/dashboard
// answers for the same user (rates formatted as on the page: one decimal
// percent, "—" when undefined), its status bars must add up to the month's
// demands, and the "received" tile must open the list of exactly those demands.

import { ON_DESKTOP, ON_MOBILE, apiGet, apiToken, assert, clickNav, noOverflow, pageTotal, shot, signInAs, test } from '../lib/zhuqi.mjs';

function fmtMetric(key, v) {
  if (v === null || v === undefined) return '—';
  if (key.includes('rate')) return `${(v * 100).toFixed(1)}%`;
  if (key === 'mean_reply_days') return v.toFixed(2);
  return String(v);
}

async function dashboardMatchesApi(page, username) {
  await signInAs(page, username);
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

test('the dashboard shows the city admin the numbers of the API, on a 1920×1080 screen', ON_DESKTOP, async ({ page }) => {
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

test('the dashboard shows a department head their department beside the city, as the API does', ON_MOBILE, async ({ page }) => {
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

test('an enterprise user rates their officer once a quarter from the phone', ON_MOBILE, async ({ page }) => {
  await signInAs(page, 'enterprise0002');
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
  const res = await fetch(`${process.env.E2E_BASE}/api/v1/officer-ratings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await apiToken('enterprise0002')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ score: 5 }),
  });
  assert.equal(res.status, 409, 'a second rating in the quarter is refused');
  assert.match((await res.json()).error.message, /每季度只能评价一次/);
});
