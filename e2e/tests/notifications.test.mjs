// What the layout shares with the pages: the unread-notifications badge on 我的, the
// notifications page that clears it, the password hint of the account page and the not-found
// view — at both sizes and in both languages, under the Content-Security-Policy the shell is
// served with.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  api,
  apiToken,
  baseUrl,
  launchBrowser,
  newPage,
  shot,
  signIn,
  tid,
  waitForText,
} from './helpers.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A club activity the student signs up for and the club then cancels: one notification. */
async function cancelledSignUp(student) {
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  const at = (days) => new Date(Date.now() + days * 86_400_000).toISOString();
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title: `通知测试讲座 ${Date.now()}`,
    category: 'lecture',
    credit_level: 'club',
    starts_at: at(3),
    ends_at: at(3.1),
    place: '信息楼 301',
    capacity: null,
    registration_opens_at: at(-1),
    registration_closes_at: at(2),
    enrolment_mode: 'first_come',
  });
  await api('POST', `/api/activities/${created.id}/submit`, club);
  await api('POST', `/api/activities/${created.id}/registrations`, await apiToken(student), {
    answers: {},
  });
  await api('POST', `/api/activities/${created.id}/cancel`, club, { reason: '场地维修' });
}

test('the shell is served under a Content-Security-Policy and boots from its own script', async () => {
  const response = await fetch(`${baseUrl}/`);
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  const html = await response.text();
  assert.match(html, /<script type="module" src="\/boot.js"><\/script>/);
  assert.doesNotMatch(html, /<script type="module">/, 'no inline script');
});

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
]) {
  test(`the badge counts a notification and reading them clears it (${size})`, { timeout: 90_000 }, async () => {
    const student = size === 'phone' ? '2024020101' : 'S2024010001';
    await cancelledSignUp(student);
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, student);
      const badge = page.locator(tid('nav-unread')).first();
      await badge.waitFor({ timeout: 15_000 });
      assert.ok(Number(await badge.innerText()) >= 1);

      await page.goto(`${baseUrl}/notifications`);
      await waitForText(page, tid('notification'), '场地维修');
      await shot(page, `notifications-${size}.png`);
      await page.locator(tid('nav-unread')).first().waitFor({ state: 'detached', timeout: 15_000 });

      await page.locator('[data-testid=lang-switch]').first().click();
      await waitForText(page, 'h1', 'Notifications');
      await shot(page, `notifications-${size}-en.png`);

      await page.goto(`${baseUrl}/account`);
      await waitForText(page, 'body', '8–128 characters with a letter and a digit');
      await shot(page, `account-${size}-en.png`);

      await page.goto(`${baseUrl}/no/such/page`);
      await waitForText(page, 'h1', 'Page not found');
      await shot(page, `not-found-${size}-en.png`);
      await page.locator('[data-testid=lang-switch]').first().click();
      await waitForText(page, 'h1', '页面不存在');
      await shot(page, `not-found-${size}.png`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  });
}
