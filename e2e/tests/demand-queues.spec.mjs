// The coordinator's and a department's demand queues; an enterprise user
// cannot open another enterprise's demand.

import { findInQueue } from '../lib/demands.mjs';
import {
  DEMAND_CATEGORY,
  ON_DESKTOP,
  ON_MOBILE,
  TRANSPORT,
  apiGet,
  apiSend,
  apiToken,
  assert,
  clickNav,
  enterpriseOfUser,
  expectErrorPage,
  pageTotal,
  shot,
  signInAs,
  test,
} from '../lib/zhuqi.mjs';

test("the coordinator's queue and the department queue", ON_DESKTOP, async ({ open }) => {
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

test("an enterprise user cannot open another enterprise's demand", ON_MOBILE, async ({ page }) => {
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
  await signInAs(page, 'enterprise0001');
  await expectErrorPage(page, `/demands/${other.id}`, 404);
  await shot(page, 'demand-404-other-enterprise');
  const api = await page.request.get(`/api/v1/demands/${other.id}`);
  assert.equal(api.status(), 404, 'the API hides it too');
});
