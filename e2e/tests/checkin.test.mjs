// On-site check-in in the browser: the club's organiser shows the rotating QR code on a
// desktop screen; a student's phone opens the URL the code encodes, signs in when asked, comes
// back and is checked in without another tap, and the organiser's live count follows without
// a reload. A made-up token and an expired one each answer their reason in one line.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  account,
  api,
  apiToken,
  baseUrl,
  launchBrowser,
  newPage,
  screenshot,
  tid,
  waitForText,
} from './helpers.mjs';


/** The token of a code expires after its 10-second step and one step of grace. */
const CODE_LIFETIME_MS = 20_000;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** A club-level volunteer activity of 程序设计协会 under way now, published on submit. */
async function runningActivity(title) {
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  assert.ok(acm, 'the demo club 程序设计协会 (acm) exists');
  const now = Date.now();
  const at = (minutes) => new Date(now + minutes * 60_000).toISOString();
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title,
    category: 'volunteer',
    credit_level: 'club',
    starts_at: at(-10),
    ends_at: at(120),
    place: '信息楼 301',
    capacity: null,
    registration_opens_at: at(-60 * 24 * 3),
    registration_closes_at: at(-10),
    enrolment_mode: 'first_come',
  });
  const published = await api('POST', `/api/activities/${created.id}/submit`, club);
  assert.equal(published.status, 'published');
  return created.id;
}

/** Fills the sign-in form the app sent us to, and waits to be sent back. */
async function signInHere(page, username) {
  const { password } = account(username);
  await page.locator(tid('login-username')).waitFor({ timeout: 15_000 });
  await page.locator(tid('login-username')).fill(username);
  await page.locator(tid('login-password')).fill(password);
  await page.locator(tid('login-submit')).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 15_000 });
}

/** The URL of a code that has just appeared on the organiser's screen (a whole step ahead). */
async function freshCodeUrl(page) {
  const qr = page.locator(tid('checkin-qr'));
  await qr.waitFor({ timeout: 15_000 });
  const current = await qr.getAttribute('data-url');
  await page.waitForFunction(
    ([selector, previous]) => document.querySelector(selector)?.dataset.url !== previous,
    [tid('checkin-qr'), current],
    { timeout: 15_000 },
  );
  return page.locator(tid('checkin-qr')).getAttribute('data-url');
}

test('a student scans the organiser’s code on a phone and the live count follows', { timeout: 180_000 }, async () => {
  const id = await runningActivity('社区志愿服务（签到测试）');
  const organiser = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  const other = await newPage(browser, PHONE);
  try {
    // The organiser opens the check-in screen by deep link and signs in on the way.
    await organiser.goto(`${baseUrl}/manage/activities/${id}/checkin`);
    await organiser.waitForURL(/\/login\?next=/);
    await signInHere(organiser, 'acm_admin');
    await organiser.waitForURL(new RegExp(`/manage/activities/${id}/checkin`));
    await organiser.locator(tid('checkin-qr')).waitFor({ timeout: 15_000 });
    await waitForText(organiser, tid('count-in'), '0');
    const svg = await organiser.locator(`${tid('checkin-qr')} svg`).boundingBox();
    assert.ok(svg && svg.width >= 320 && svg.height >= 320, `the code is large: ${JSON.stringify(svg)}`);
    await screenshot(organiser, 'checkin-screen-desktop.png');

    // A fresh code: the phone has its whole lifetime to sign in and come back.
    const url = await freshCodeUrl(organiser);
    const readAt = Date.now();
    assert.ok(url.startsWith(`${baseUrl}/checkin?t=`), `the code encodes the scan page: ${url}`);

    // The student's phone opens it signed out, signs in, and lands checked in.
    await phone.goto(url);
    await phone.waitForURL(/\/login\?next=%2Fcheckin/);
    await signInHere(phone, '2023010101');
    await phone.waitForURL(/\/checkin\?t=/);
    await waitForText(phone, tid('checkin-result'), '签到成功', 20_000);
    const line = await phone.locator(tid('checkin-result')).innerText();
    assert.match(line, /^签到成功 · \d{2}:\d{2}$/);
    assert.equal(await phone.locator(tid('checkin-outcome')).getAttribute('data-outcome'), 'ok');
    assert.equal(await phone.evaluate(() => typeof localStorage.getItem('checkin_device_id')), 'string');
    await screenshot(phone, 'checkin-scan-ok-phone.png');

    // The organiser's count and arrivals follow, without a reload.
    await waitForText(organiser, tid('count-in'), '1', 15_000);
    await waitForText(organiser, tid('arrivals'), '2023****01');
    assert.ok(!(await organiser.locator(tid('arrivals')).innerText()).includes('2023010101'), 'the projector never shows a full number');
    await screenshot(organiser, 'checkin-screen-arrival-desktop.png');

    // Projector mode: the code takes the screen.
    await organiser.locator(tid('projector-toggle')).click();
    await organiser.locator('.stage-projector').waitFor();
    const projected = await organiser.locator(`${tid('checkin-qr')} svg`).boundingBox();
    assert.ok(projected.height >= 560, `the projected code is large: ${projected.height}`);
    await screenshot(organiser, 'checkin-projector-desktop.png');
    await organiser.keyboard.press('Escape');
    await organiser.locator('.stage-projector').waitFor({ state: 'detached' });

    // Scanning again says so.
    await phone.goto(await freshCodeUrl(organiser));
    await waitForText(phone, tid('checkin-result'), '你已签到');
    assert.equal(await phone.locator(tid('checkin-outcome')).getAttribute('data-outcome'), 'already', 'a success, in green');
    await screenshot(phone, 'checkin-scan-already-phone.png');

    // A made-up code.
    await phone.goto(`${baseUrl}/checkin?t=not-a-code`);
    await waitForText(phone, tid('checkin-result'), '无效的签到码');
    await screenshot(phone, 'checkin-scan-invalid-phone.png');

    // Another student with the first code, once it has expired.
    await other.goto(`${baseUrl}/login`);
    await signInHere(other, '2024020101');
    const wait = readAt + CODE_LIFETIME_MS + 1_500 - Date.now();
    if (wait > 0) await other.waitForTimeout(wait);
    await other.goto(url);
    await waitForText(other, tid('checkin-result'), '二维码已过期，请重新扫描屏幕上的二维码');
    assert.equal(await other.locator(tid('checkin-outcome')).getAttribute('data-code'), 'checkin_code_expired');
    await screenshot(other, 'checkin-scan-expired-phone.png');
    // Still one: the refused scan counted nobody.
    assert.equal(await organiser.locator(tid('count-in')).innerText(), '1');

    for (const page of [organiser, phone, other]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await organiser.context().close();
    await phone.context().close();
    await other.context().close();
  }
});

test('a student signed out scans, reads why they sign in, signs in slowly and is checked in', { timeout: 180_000 }, async () => {
  const title = '社区志愿服务（慢速登录）';
  const id = await runningActivity(title);
  const organiser = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  try {
    await organiser.goto(`${baseUrl}/login?next=${encodeURIComponent(`/manage/activities/${id}/checkin`)}`);
    await signInHere(organiser, 'acm_admin');
    const url = await freshCodeUrl(organiser);
    const readAt = Date.now();

    await phone.goto(url);
    await phone.waitForURL(/\/login\?next=%2Fcheckin/);
    await waitForText(phone, tid('login-for-checkin'), `为签到登录：${title}`);
    await screenshot(phone, 'checkin-login-explains-phone.png');
    // A realistic sign-in: the code on the screen has long been replaced and expired.
    const wait = readAt + CODE_LIFETIME_MS + 2_000 - Date.now();
    if (wait > 0) await phone.waitForTimeout(wait);
    await signInHere(phone, '2024020101');
    await phone.waitForURL(/\/checkin\?t=/);
    await waitForText(phone, tid('checkin-result'), '签到成功', 20_000);
    assert.equal(await phone.locator(tid('checkin-outcome')).getAttribute('data-outcome'), 'ok');
    await waitForText(organiser, tid('count-in'), '1', 15_000);
    // The pending scan was used: the same page again is the same check-in, not a second one.
    await phone.reload();
    await waitForText(phone, tid('checkin-result'), /二维码已过期|你已签到/);
    assert.equal(await organiser.locator(tid('count-in')).innerText(), '1');
    for (const page of [organiser, phone]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await organiser.context().close();
    await phone.context().close();
  }
});

test('the organiser records a student without a phone by number', { timeout: 90_000 }, async () => {
  const id = await runningActivity('社区志愿服务（手动签到）');
  const page = await newPage(browser, PHONE);
  try {
    await page.goto(`${baseUrl}/login?next=${encodeURIComponent(`/manage/activities/${id}/checkin`)}`);
    await signInHere(page, 'acm_admin');
    await page.locator(tid('checkin-qr')).waitFor({ timeout: 15_000 });
    await page.locator(tid('manual-student-no')).fill('2023010102');
    await page.locator(tid('manual-submit')).click();
    await waitForText(page, tid('manual-done'), '2023010102');
    await waitForText(page, tid('count-in'), '1', 10_000);
    await page.locator(tid('manual-student-no')).fill('2099999999');
    await page.locator(tid('manual-submit')).click();
    await waitForText(page, tid('manual-student-no-error'), '没有这个学号的学生');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'checkin-screen-phone.png');

    // The attendance page lists it, with how it was made.
    await page.locator(tid('subnav-attendance')).click();
    await waitForText(page, tid('attendance-list'), '手动签到');
    await screenshot(page, 'attendance-phone.png');

    // The recognition grid starts from who checked in.
    await page.locator(tid('subnav-results')).click();
    await waitForText(page, tid('results-grid'), '2023010102');
    await screenshot(page, 'results-phone.png');

    // The back-fill requests and the overdue list are reachable from home.
    await page.goto(`${baseUrl}/`);
    await page.locator(tid('home-requests')).click();
    await page.waitForURL(/\/manage\/requests/);
    await page.locator(`${tid('requests-empty')}, ${tid('requests')}`).first().waitFor();
    await screenshot(page, 'requests-phone.png');
    await page.goto(`${baseUrl}/manage/overdue`);
    await page.locator(`${tid('overdue-empty')}, ${tid('overdue')}`).first().waitFor();
    await screenshot(page, 'overdue-phone.png');
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    await page.context().close();
  }
});

test('after the make-up window: back-fill approved above, then results recognised and finalised', { timeout: 120_000 }, async () => {
  // A club competition that ended on Wednesday 2026-09-30 at 18:00 Beijing time: the make-up
  // window closed on 2026-10-13 (National Day and its 调休 counted).
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title: `程序设计竞赛（补录）${Date.now()}`,
    category: 'competition',
    credit_level: 'club',
    starts_at: '2026-09-30T06:00:00Z',
    ends_at: '2026-09-30T10:00:00Z',
    place: '信息楼 301',
    capacity: null,
    registration_opens_at: '2026-09-20T00:00:00Z',
    registration_closes_at: '2026-09-29T00:00:00Z',
    enrolment_mode: 'first_come',
  });
  const submitted = await api('POST', `/api/activities/${created.id}/submit`, club);
  // Dated in the past: it waits for the college, which approves it.
  assert.equal(submitted.status, 'submitted');
  const approved = await api('POST', `/api/activities/${created.id}/approve`, await apiToken('cs_admin'), {});
  assert.equal(approved.status, 'published');
  const id = created.id;

  const organiser = await newPage(browser, PHONE);
  const college = await newPage(browser, PHONE);
  organiser.on('dialog', (dialog) => dialog.accept());
  try {
    // The organiser's make-up is refused by the deadline and becomes a back-fill request.
    await organiser.goto(`${baseUrl}/login?next=${encodeURIComponent(`/manage/activities/${id}/attendance`)}`);
    await signInHere(organiser, 'acm_admin');
    await organiser.locator(tid('manual-student-no')).waitFor({ timeout: 15_000 });
    await organiser.locator(tid('manual-student-no')).fill('2023010103');
    await organiser.locator(tid('manual-reason')).fill('扫码时系统故障');
    await organiser.locator(tid('manual-submit')).click();
    await organiser.locator(tid('backfill-form')).waitFor({ timeout: 15_000 });
    await organiser.locator(tid('backfill-evidence')).fill('纸质签到表第 2 页');
    await organiser.locator(tid('backfill-submit')).click();
    await organiser.locator(tid('backfill-filed')).waitFor({ timeout: 15_000 });
    await organiser.evaluate(() => window.scrollTo(0, 0));
    await screenshot(organiser, 'backfill-filed-phone.png');

    // The college above approves it in its queue.
    await college.goto(`${baseUrl}/login?next=${encodeURIComponent('/manage/requests')}`);
    await signInHere(college, 'cs_admin');
    const request = college.locator(tid('request')).filter({ hasText: '2023010103' }).first();
    await request.waitFor({ timeout: 15_000 });
    await request.locator(tid('request-approve')).click();
    await waitForText(college, tid('request-status'), '已通过', 15_000);
    await screenshot(college, 'backfill-approved-phone.png');

    // The student is now in the recognition grid; the organiser saves and finalises.
    await organiser.goto(`${baseUrl}/manage/activities/${id}/results`);
    await waitForText(organiser, tid('results-grid'), '2023010103', 15_000);
    await waitForText(organiser, tid('recognition-deadline'), '2026', 15_000);
    await organiser.locator(tid('results-save')).click();
    await organiser.locator(tid('results-saved')).waitFor({ timeout: 15_000 });
    await organiser.locator(tid('results-finalize')).click();
    // Past its deadline (2026-10-20), finalising is a back-fill: a reason, then the college.
    await organiser.locator(tid('results-backfill')).waitFor({ timeout: 15_000 });
    await organiser.locator(tid('results-backfill-reason')).fill('获奖名单由主办方十一月底才公布');
    await organiser.locator(tid('results-backfill-submit')).click();
    await organiser.locator(tid('results-requested')).waitFor({ timeout: 15_000 });
    await screenshot(organiser, 'results-backfill-requested-phone.png');
    await college.goto(`${baseUrl}/manage/requests`);
    const recognition = college.locator(tid('recognition')).filter({ hasText: '程序设计竞赛（补录）' }).first();
    await recognition.waitFor({ timeout: 15_000 });
    await screenshot(college, 'recognition-request-phone.png');
    await recognition.locator(tid('recognition-approve')).click();
    for (let i = 0; i < 150; i++) {
      const d = await api('GET', `/api/activities/${id}/deadlines`, club);
      if (d.recognized_at) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await organiser.reload();
    await organiser.waitForFunction(
      (sel) => document.querySelector(sel)?.disabled === true,
      tid('results-finalize'),
      { timeout: 15_000 },
    );
    const results = await api('GET', `/api/activities/${id}/results`, club);
    assert.equal(results.total, 1);
    assert.equal(results.items[0].student_no, '2023010103');
    assert.equal(results.items[0].attended, true);
    const deadlines = await api('GET', `/api/activities/${id}/deadlines`, club);
    assert.ok(deadlines.recognized_at, 'finalised');
    await organiser.evaluate(() => window.scrollTo(0, 0));
    await screenshot(organiser, 'results-finalised-phone.png');
    for (const page of [organiser, college]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await organiser.context().close();
    await college.context().close();
  }
});

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
]) {
  test(`the school admin sets the check-in rules; a club reads them (${size})`, { timeout: 90_000 }, async () => {
    const page = await newPage(browser, viewport);
    const club = await newPage(browser, viewport);
    try {
      await page.goto(`${baseUrl}/login?next=${encodeURIComponent('/manage/checkin-policy')}`);
      await signInHere(page, 'admin');
      await page.locator(tid('checkin-policy')).waitFor({ timeout: 15_000 });
      await page.locator(tid('policy-networks')).fill('10.12.0.0/16\ncampus');
      await waitForText(page, tid('policy-networks-error'), 'CIDR');
      assert.equal(await page.locator(tid('policy-save')).isDisabled(), true, 'not saved while wrong');
      await page.locator(tid('policy-networks')).fill(`10.12.0.0/16\n2001:da8:8000::/48`);
      await page.locator(tid('policy-address')).fill('12');
      await page.locator(tid('policy-save')).click();
      await page.locator(tid('policy-saved')).waitFor({ timeout: 15_000 });
      await screenshot(page, `checkin-policy-${size}.png`);
      await page.locator('[data-testid=lang-switch]').first().click();
      await waitForText(page, 'h1', 'Check-in anti-abuse rules');
      await screenshot(page, `checkin-policy-${size}-en.png`);
      await page.locator('[data-testid=lang-switch]').first().click();

      // A club reads what the school set, and cannot change it.
      await club.goto(`${baseUrl}/login?next=${encodeURIComponent('/manage/checkin-policy')}`);
      await signInHere(club, 'acm_admin');
      await club.locator(tid('checkin-policy')).waitFor({ timeout: 15_000 });
      await club.waitForFunction(
        (sel) => document.querySelector(sel)?.value.includes('10.12.0.0/16'),
        tid('policy-networks'),
        { timeout: 15_000 },
      );
      assert.equal(await club.locator(tid('policy-address')).inputValue(), '12');
      assert.equal(await club.locator(tid('policy-save')).count(), 0);
      for (const p of [page, club]) assert.deepEqual(p.errors, [], 'no uncaught errors in the page');
    } finally {
      await page.context().close();
      await club.context().close();
    }
  });
}
