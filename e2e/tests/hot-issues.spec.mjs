// Hot issues (热点问题): the coordinator confirms the demo's flagged 物流受限
// wave; a district admin reads it, in English, without actions.

import { DEMO_DEMANDS, ON_DESKTOP, ON_MOBILE, apiGet, apiToken, assert, noOverflow, shot, signInAs, test } from '../lib/zhuqi.mjs';

// The flagged 物流受限 wave of the demo (found by `zhuqi demo` right after the build).
async function logisticsWave(token) {
  const list = await apiGet(token, '/api/v1/hot-issues?per_page=100');
  for (const k of ['items', 'total', 'page', 'per_page']) assert.ok(k in list, `hot-issue list has ${k}`);
  const waves = list.items.filter((i) => i.category_code === '0102' && i.key_terms.some((t) => t.includes('通行') || t.includes('物流')));
  assert.equal(waves.length, 1, `one 物流受限 wave among ${JSON.stringify(list.items.map((i) => [i.category_code, i.key_terms]))}`);
  return waves[0];
}

test('the coordinator opens /hot-issues, sees the 物流受限 wave and confirms it', ON_MOBILE, async ({ page }) => {
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
  await signInAs(page, 'coordinator');
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
    page.waitForURL((u) => u.pathname === `/hot-issues/${wave.id}` && u.search.includes('flash='), { waitUntil: 'load' }),
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

test('a district admin reads the wave touching the district without actions, in English', ON_DESKTOP, async ({ page }) => {
  await signInAs(page, 'district-liandu');
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
