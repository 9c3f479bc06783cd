// Visits (走访): an officer records a visit on the phone from "today" and
// turns the need found into a demand; district and city roles read who is
// behind, the compliance chart and the door-knock campaign. The demo holds
// four months of generated visits: the tests never assume exact counts.

import {
  ALL_ENTERPRISES,
  DEMAND_CATEGORY,
  ON_DESKTOP,
  ON_MOBILE,
  assert,
  clickNav,
  expectStatus,
  noOverflow,
  pathOf,
  pngImage,
  shot,
  signInAs,
  test,
} from '../lib/zhuqi.mjs';

const VISIT_NEEDS = '企业反映：原料运输车辆无法进入园区，需协调通行（e2e）';

test('an officer records a visit with a photo on the phone and turns a need into a demand', ON_MOBILE, async ({ page }) => {
  await signInAs(page, 'officer0001');
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

test('a district admin sees who is behind and the compliance chart', ON_DESKTOP, async ({ page }) => {
  await signInAs(page, 'district-liandu');
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

test('the city sees compliance per district and the completed door-knock campaign', ON_DESKTOP, async ({ page }) => {
  await signInAs(page, 'admin');
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
