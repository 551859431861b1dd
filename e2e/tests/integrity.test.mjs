// The no-show record (诚信记录) as the student sees it before the rule applies, the school's
// policy that sets it, the organiser's 准假 on the sign-up list, ☆ 关注 on an activity, and the
// organiser's home leading to the projector screen of what runs now in one tap.

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

const at = (hours) => new Date(Date.now() + hours * 3_600_000).toISOString();

/** A published 计算机学院 activity; `hours` from now it starts, registration as given. */
async function csActivity(title, starts, { opens = -48, closes = starts - 1, length = 2 } = {}) {
  const cs = await apiToken('cs_admin');
  const orgs = await api('GET', '/api/organizations?q=cs', cs);
  const college = orgs.items.find((o) => o.code === 'cs');
  const created = await api('POST', '/api/activities', cs, {
    organizer_id: college.id,
    title: `${title} ${Date.now()}`,
    category: 'lecture',
    credit_level: 'college',
    starts_at: at(starts),
    ends_at: at(starts + length),
    place: '信息楼 101',
    capacity: null,
    registration_opens_at: at(opens),
    registration_closes_at: at(closes),
    enrolment_mode: 'first_come',
  });
  const published = await api('POST', `/api/activities/${created.id}/submit`, cs);
  assert.equal(published.status, 'published');
  return created;
}

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
]) {
  test(`the student sees the record and the rule before it applies, and watches an activity (${size})`, { timeout: 90_000 }, async () => {
    const student = size === 'phone' ? '2023010101' : 'S2024010001';
    const open = await csActivity('关注测试讲座', 72);
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, student);
      await page.goto(`${baseUrl}/me/activities`);
      const panel = page.locator(tid('no-show-record'));
      await waitForText(page, tid('no-show-count'), '本学期缺席 0 次');
      assert.match(await panel.innerText(), /一学期缺席 \d+ 次，\d+ 天内不能报名先到先得的活动/);
      await shot(page, `no-show-record-${size}.png`);

      await page.goto(`${baseUrl}/activities/${open.id}`);
      const watch = page.locator(tid('watch')).first();
      await waitForText(page, tid('watch'), '关注');
      assert.equal(await watch.getAttribute('aria-pressed'), 'false');
      await watch.click();
      await waitForText(page, tid('watch'), '已关注');
      assert.equal(await watch.getAttribute('aria-pressed'), 'true');
      await page.reload();
      await waitForText(page, tid('watch'), '已关注');
      const state = await api('GET', `/api/activities/${open.id}/watch`, await apiToken(student));
      assert.equal(state.watching, true);
      await shot(page, `watch-${size}.png`);

      await page.locator('[data-testid=lang-switch]').first().click();
      await page.goto(`${baseUrl}/me/activities`);
      await waitForText(page, tid('no-show-count'), 'no-show(s) this term');
      await shot(page, `no-show-record-${size}-en.png`);
      // Categories carry their English names in English.
      await page.goto(`${baseUrl}/activities/${open.id}`);
      await waitForText(page, '.activity .tag-category', 'Lecture');
      await page.locator('[data-testid=lang-switch]').first().click();
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  });
}

test('the school sets the no-show rule and the student reads the new one', { timeout: 90_000 }, async () => {
  const admin = await newPage(browser, DESKTOP);
  try {
    await signIn(admin, 'admin');
    await admin.goto(`${baseUrl}/manage/checkin-policy`);
    const threshold = admin.locator(tid('policy-no-show-threshold'));
    await threshold.waitFor();
    await threshold.fill('0');
    await waitForText(admin, tid('checkin-policy'), '缺席规则');
    await admin.locator(tid('policy-no-show-days')).fill('0');
    await waitForText(admin, tid('checkin-policy'), '1 and 180');
    assert.ok(await admin.locator(tid('policy-save')).isDisabled(), 'an out-of-range value cannot be saved');
    await admin.locator(tid('policy-no-show-days')).fill('7');
    await threshold.fill('2');
    await admin.locator(tid('policy-save')).click();
    await admin.locator(tid('policy-saved')).waitFor();
    await shot(admin, 'no-show-policy-desktop.png');
    const saved = await api('GET', '/api/school/checkin-policy', await apiToken('admin'));
    assert.deepEqual(saved.no_shows, { threshold: 2, block_days: 7, lottery_last: true });
  } finally {
    await admin.context().close();
  }
  const student = await newPage(browser, PHONE);
  try {
    await signIn(student, '2024020101');
    await student.goto(`${baseUrl}/me/activities`);
    await waitForText(student, tid('no-show-record'), '一学期缺席 2 次，7 天内');
  } finally {
    await student.context().close();
    await api('PUT', '/api/school/checkin-policy', await apiToken('admin'), {
      ...(await api('GET', '/api/school/checkin-policy', await apiToken('admin'))),
      no_shows: { threshold: 3, block_days: 14, lottery_last: true },
    });
  }
});

test("the organiser excuses a student on the sign-up list, and the home leads to what runs now", { timeout: 90_000 }, async () => {
  const future = await csActivity('准假测试讲座', 72);
  await api('POST', `/api/activities/${future.id}/registrations`, await apiToken('2023010101'), { answers: {} });
  const running = await csActivity('进行中测试', -0.1, { closes: -0.2 });

  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'cs_admin');
    await page.goto(`${baseUrl}/`);
    const card = page.locator(tid('running-activity')).filter({ hasText: running.title });
    await card.waitFor({ timeout: 15_000 });
    await shot(page, 'running-now-desktop.png');
    await card.locator(tid('running-screen')).click();
    await page.waitForURL(`**/manage/activities/${running.id}/checkin`);

    await page.goto(`${baseUrl}/manage/activities/${future.id}/registrations`);
    const row = page.locator(`${tid('registration-row')}[data-student="2023010101"]`);
    await waitForText(page, `${tid('registration-row')}[data-student="2023010101"] ${tid('registration-no-shows')}`, '缺席 0');
    page.once('dialog', (dialog) => dialog.accept('家中有事'));
    await row.locator(tid('registration-excuse')).click();
    await waitForText(page, `${tid('registration-row')}[data-student="2023010101"] ${tid('registration-excused')}`, '家中有事');
    await shot(page, 'registrations-excused-desktop.png');
    const mine = await api('GET', '/api/me/registrations', await apiToken('2023010101'));
    assert.equal(mine.items.find((r) => r.activity_id === future.id).excuse, '家中有事');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
