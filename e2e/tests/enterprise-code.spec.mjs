// Enterprise code (企业码): a person of an enterprise opens the enterprise's
// code URL on the phone, binds with a one-time code the officer got through
// the API, signs in with the phone, submits a demand with a photo and, after
// the coordinator and the handler dispatch, sign and reply through the API,
// rates the reply. A replaced code; an officer approving a binding request.

import {
  DEMAND_CATEGORY,
  ON_MOBILE,
  apiGet,
  apiPublic,
  apiSend,
  apiToken,
  assert,
  demandStatus,
  enterpriseOfUser,
  noOverflow,
  pathOf,
  pngImage,
  shot,
  signIn,
  signInAs,
  test,
} from '../lib/zhuqi.mjs';

test('an enterprise person binds with a one-time code, submits a demand with a photo and rates the reply', ON_MOBILE, async ({ page }) => {
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

  // 2. Bind with the one-time code. (The number only has to be new in this
  // run's fresh database.)
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
  const again = await apiPublic('POST', `/api/v1/codes/${code.url.split('/').pop()}/bind`, {
    name: '某人',
    phone: '19811112222',
    password: pw,
    code: otc.code,
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

test('a replaced code shows a friendly page and the officer prints the poster', ON_MOBILE, async ({ page }) => {
  const ent = await enterpriseOfUser('enterprise0002');
  const admin = await apiToken('admin');
  const code = await apiGet(admin, `/api/v1/enterprises/${ent.id}/code`);
  const rotated = await apiSend(admin, 'POST', `/api/v1/enterprises/${ent.id}/code/rotate`);
  assert.notEqual(rotated.url, code.url);
  const res = await page.goto(new URL(code.url).pathname);
  assert.equal(res.status(), 404);
  assert.equal(await page.locator('[data-testid=code-missing]').count(), 1);
  await shot(page, 'ecode-replaced-404');
  await signInAs(page, 'admin');
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

// Signs officer0001 in through the form: the test signs out at the end,
// which would end the saved session the other tests share.
test('the officer approves a pending binding from the home page and the person signs in by phone', ON_MOBILE, async ({ page }) => {
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
