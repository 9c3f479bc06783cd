// The steps of a demand (诉求) through its roles, for the demand specs.
//
// Several roles act on one demand, each in its own browser context (officer
// and enterprise on the phone, coordinator and handler on the laptop): `open`
// is the fixture of lib/zhuqi.mjs. The demo may hold hundreds of generated
// demands: the tests locate their own demand by id (walking the pager when
// needed) and never assume counts.

import {
  DEMAND_CATEGORY,
  DEMAND_TITLE,
  TRANSPORT,
  assert,
  clickNav,
  demandStatus,
  enterpriseOfUser,
  expectStatus,
  pathOf,
  shot,
} from './zhuqi.mjs';

const MAX_QUEUE_PAGES = 40;

export async function timelineLabels(page) {
  return page.$$eval('[data-testid=timeline] > li', (lis) => lis.map((li) => (li.querySelector('b')?.textContent || '').trim()));
}

// The queue item of demand `id` on the current queue, following the pager.
export async function findInQueue(page, id) {
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

async function offeredActions(page) {
  return (await page.$$eval('details.action[data-action]', (ds) => ds.map((d) => d.dataset.action))).join(', ') || 'none';
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

// officer0001 submits a demand for enterprise0001's enterprise through the
// form on the phone; returns its id.
export async function submitAsOfficer(open, prefix, description) {
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
export async function dispatchAsCoordinator(open, prefix, id) {
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
export async function handleAsTransport(open, prefix, id) {
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
export async function rateAsEnterprise(open, prefix, id, rating) {
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
