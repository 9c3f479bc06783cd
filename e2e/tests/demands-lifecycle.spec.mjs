// A demand (诉求) from submission to closed, and back for 重办, through four
// roles each in its own browser context (see lib/demands.mjs).

import { dispatchAsCoordinator, findInQueue, handleAsTransport, rateAsEnterprise, submitAsOfficer, timelineLabels } from '../lib/demands.mjs';
import { ON_DESKTOP, assert, expectStatus, shot, test } from '../lib/zhuqi.mjs';

test('a demand walks from submission to closed through four roles', ON_DESKTOP, async ({ open }) => {
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

test('a dissatisfied rating sends the demand back for 重办', ON_DESKTOP, async ({ open }) => {
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
