// Guidance (精准育人): a student behind the requirement sees, on the home page, the open
// activity that closes their gap with the points it brings; their adviser expands the
// student's row of 积分预警, sends a reminder, sees the outcome beside the button, and the
// student's notifications page shows it — at 390×844 and 1440×900, in Chinese and English.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PHONE,
  account,
  api,
  baseUrl,
  apiToken,
  launchBrowser,
  newPage,
  shot,
  signIn,
  tid,
  waitForText,
} from './helpers.mjs';

const WIDE = { width: 1440, height: 900 };

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A club volunteer service open for sign-up: eight hours, in three days. */
async function openService(title) {
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  const at = (days) => new Date(Date.now() + days * 86_400_000).toISOString();
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title,
    category: 'volunteer',
    credit_level: 'club',
    starts_at: at(3),
    ends_at: new Date(Date.now() + 3 * 86_400_000 + 8 * 3_600_000).toISOString(),
    place: '社区服务中心',
    capacity: 30,
    registration_opens_at: at(-1),
    registration_closes_at: at(2),
    enrolment_mode: 'first_come',
  });
  await api('POST', `/api/activities/${created.id}/submit`, club);
  return created.id;
}

/** Signs in through the form as any demo student (they share the demo password). */
async function signInStudent(page, studentNo) {
  await page.goto(`${baseUrl}/login`);
  await page.locator(tid('login-username')).fill(studentNo);
  await page.locator(tid('login-password')).fill(account('2023010101').password);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('nav-account')).waitFor({ timeout: 15_000 });
}

/** Points in hundredths as the app prints them: 80 → 0.8. */
const points = (hundredths) => String(hundredths / 100);

for (const [size, viewport] of [
  ['phone', PHONE],
  ['wide', WIDE],
]) {
  test(`a student behind sees what closes the gap; the adviser reminds them (${size})`, { timeout: 180_000 }, async () => {
    const title = `社区志愿服务 ${size} ${Date.now()}`;
    const id = await openService(title);

    // The adviser: 积分预警 of the 2023 intake, the first student's row expanded, reminded.
    const adviser = await newPage(browser, viewport);
    let studentNo;
    try {
      await signIn(adviser, 'cs_admin');
      await adviser.goto(`${baseUrl}/admin/behind?year=${size === 'phone' ? 2023 : 2024}`);
      const row = adviser.locator(tid('behind-row')).first();
      await row.waitFor({ timeout: 15_000 });
      studentNo = await row.getAttribute('data-student');
      await row.locator(tid('behind-suggest')).click();
      const detail = adviser.locator(tid('behind-detail')).first();
      await detail.locator(`${tid('guidance-item')}[data-id="${id}"]`).waitFor({ timeout: 15_000 });
      await row.locator(tid('behind-remind')).click();
      await waitForText(adviser, tid('behind-reminded'), '已发送提醒');
      await shot(adviser, `guidance-behind-${size}.png`);
      // Again the same day: refused, said beside the button.
      await adviser.reload();
      const again = adviser.locator(tid('behind-row')).first();
      await again.waitFor({ timeout: 15_000 });
      await again.locator(tid('behind-remind')).click();
      await waitForText(adviser, tid('behind-remind-error'), '今天已经提醒过');
      await adviser.locator('[data-testid=lang-switch]').first().click();
      await waitForText(adviser, 'h1', 'Behind the requirement');
      await again.locator(tid('behind-suggest')).click();
      await adviser.locator(tid('behind-detail')).first().locator(tid('guidance-item')).first().waitFor();
      await shot(adviser, `guidance-behind-${size}-en.png`);
      assert.deepEqual(adviser.errors, []);
    } finally {
      await adviser.context().close();
    }

    // What the server says the activity brings this student.
    const login = await api('POST', '/api/auth/login', null, {
      username: studentNo,
      password: account('2023010101').password,
    });
    const mine = await api('GET', '/api/me/suggestions', login.access_token);
    assert.equal(mine.behind, true);
    const item = mine.items.find((i) => i.activity_id === id);
    assert.ok(item, JSON.stringify(mine));
    assert.ok(item.points > 0);

    const page = await newPage(browser, viewport);
    try {
      await signInStudent(page, studentNo);
      await page.goto(`${baseUrl}/`);
      const card = page.locator(`${tid('guidance-item')}[data-id="${id}"]`);
      await card.waitFor({ timeout: 15_000 });
      assert.match(await card.locator(tid('guidance-brings')).innerText(), new RegExp(`^\\+${points(item.points).replace('.', '\\.')} 分`));
      assert.match(await card.innerText(), /志愿服务/);
      assert.match(await card.locator(tid('guidance-places')).innerText(), /剩 30 个名额/);
      await waitForText(page, tid('guidance'), '补齐差距');
      await shot(page, `guidance-home-${size}.png`);

      await page.goto(`${baseUrl}/notifications`);
      await waitForText(page, tid('notification'), '第二课堂提醒');
      await waitForText(page, tid('notification'), title);
      await shot(page, `guidance-notifications-${size}.png`);

      await page.goto(`${baseUrl}/points`);
      await page.locator(`${tid('guidance-item')}[data-id="${id}"]`).waitFor({ timeout: 15_000 });
      await page.locator('[data-testid=lang-switch]').first().click();
      await waitForText(page, tid('guidance'), 'Close your gap');
      await waitForText(page, tid('guidance-brings'), 'pts');
      await shot(page, `guidance-points-${size}-en.png`);
      await page.goto(`${baseUrl}/`);
      await page.locator(`${tid('guidance-item')}[data-id="${id}"]`).waitFor({ timeout: 15_000 });
      await shot(page, `guidance-home-${size}-en.png`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  });
}
