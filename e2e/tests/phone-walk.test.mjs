// What a walk through the app on a real phone found (issue 19), each checked where the user
// looks: the sign-up form and its first error come into view clear of the header and the tab
// bar; an action that cannot succeed is off with its reason, and outcomes show as a toast on
// screen; the consoles use a desktop's width, with readable audit details and a results grid
// that asks only what the category's rule reads; a field's error waits for the user to leave
// it; the unread count is asked once per page load; and index.html paints a shell at once.

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  PHONE,
  api,
  apiToken,
  baseUrl,
  launchBrowser,
  newPage,
  screenshot,
  shot,
  signIn,
  tid,
  waitForText,
} from './helpers.mjs';

/** The desktop of the walk: a 1440 px wide office screen. */
const WIDE = { width: 1440, height: 900 };
const MINUTE = 60_000;
const DAY = 86_400_000;

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** An activity of 程序设计协会 (club level, so published on submit when it lies ahead). */
async function clubActivity(fields) {
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  assert.ok(acm, 'the demo club 程序设计协会 (acm) exists');
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    place: '信息楼 301',
    capacity: null,
    enrolment_mode: 'first_come',
    credit_level: 'club',
    ...fields,
  });
  let published = await api('POST', `/api/activities/${created.id}/submit`, club);
  if (published.status === 'submitted') {
    published = await api('POST', `/api/activities/${created.id}/approve`, await apiToken('cs_admin'), {});
  }
  assert.equal(published.status, 'published');
  return { id: created.id, club };
}

const at = (ms) => new Date(Date.now() + ms).toISOString();

/** A PNG of what the screen shows now (not the whole page): where the user is looking. */
async function viewShot(page, name) {
  const dir = process.env.SCREENSHOT_DIR ?? path.resolve('e2e/screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, name) });
}

/** How `selector`'s first match lies in the viewport, and whether anything covers its middle. */
async function placement(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const rect = el.getBoundingClientRect();
    const header = document.querySelector('.topbar').getBoundingClientRect().bottom;
    // What sits over the bottom of the screen: the tab bar and any sticky action bar.
    const bars = [...document.querySelectorAll('.nav, .action-bar')]
      .map((b) => b.getBoundingClientRect())
      .filter((b) => getComputedStyle(document.querySelector('.nav')).position === 'fixed' && b.top > window.innerHeight / 2)
      .map((b) => b.top);
    const floor = Math.min(window.innerHeight, ...bars);
    const hit = document.elementFromPoint(rect.left + Math.min(rect.width / 2, 20), rect.top + rect.height / 2);
    return {
      top: rect.top,
      bottom: rect.bottom,
      header,
      floor,
      uncovered: hit === el || el.contains(hit),
    };
  }, selector);
}

test('报名 brings the form into view; an empty submit brings its first error into view, clear of the bars', { timeout: 120_000 }, async () => {
  const title = `手机走查讲座 ${Date.now().toString(36)}`;
  const { id } = await clubActivity({
    title,
    category: 'lecture',
    // A long introduction, as real ones are: the sign-up form opens below the fold.
    description: Array.from({ length: 14 }, (_, i) => `第 ${i + 1} 部分：讲座内容介绍，涵盖算法、数据结构与工程实践。`).join('\n\n'),
    starts_at: at(3 * DAY),
    ends_at: at(3 * DAY + 2 * 60 * MINUTE),
    registration_opens_at: at(-DAY),
    registration_closes_at: at(2 * DAY),
    fields: [
      { key: 'q1', label: '所在班级', kind: 'text', required: true },
      { key: 'q2', label: '手机号', kind: 'phone', required: true },
    ],
  });
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, '2023010101');
    await page.goto(`${baseUrl}/activities/${id}`);
    await page.locator(tid('register-open')).waitFor({ timeout: 15_000 });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator(tid('register-open')).click();
    await page.locator(tid('register-form')).waitFor();
    await page.waitForTimeout(400);
    const form = await placement(page, `${tid('register-form')} h2`);
    assert.ok(form.top >= form.header && form.bottom <= form.floor, `the form's heading is in view: ${JSON.stringify(form)}`);
    await viewShot(page, 'walk-signup-form-phone.png');

    // Scrolled back to the top, as a student reading the introduction again would be.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.locator(tid('register-submit')).click();
    await waitForText(page, tid('answer-q1-error'), '所在班级');
    await page.waitForTimeout(400);
    const error = await placement(page, tid('answer-q1-error'));
    assert.ok(error.top >= error.header, `the first error is below the header: ${JSON.stringify(error)}`);
    assert.ok(error.bottom <= error.floor, `the first error is above the tab bar: ${JSON.stringify(error)}`);
    assert.ok(error.uncovered, `nothing covers the first error: ${JSON.stringify(error)}`);
    await viewShot(page, 'walk-signup-errors-phone.png');
    await page.locator(tid('lang-switch')).click();
    await waitForText(page, tid('answer-q1-error'), '所在班级');
    // The switch reflows the page above the form: bring the question back for the picture.
    await page.evaluate((sel) => document.querySelector(sel).closest('.question').scrollIntoView(), tid('answer-q1-error'));
    await viewShot(page, 'walk-signup-errors-phone-en.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the sign-in field waits for the user to leave it before it complains', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await page.goto(`${baseUrl}/login`);
    const username = page.locator(tid('login-username'));
    await username.waitFor({ timeout: 15_000 });
    await username.fill('a');
    await page.waitForTimeout(300);
    assert.equal((await page.locator(tid('login-username-error')).innerText()).trim(), '', 'no error after one character');
    assert.equal(await username.getAttribute('aria-invalid'), 'false');
    await username.blur();
    await waitForText(page, tid('login-username-error'), '学号');
    assert.equal(await username.getAttribute('aria-invalid'), 'true');
    // A field never left shows its error once the form is sent.
    assert.equal((await page.locator(tid('login-password-error')).innerText()).trim(), '');
    await username.fill('2023010101');
    await page.locator(tid('login-submit')).click();
    await waitForText(page, tid('login-password-error'), '请输入密码');
    await screenshot(page, 'walk-login-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('one page load asks for the unread count once', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, '2023010101');
    // Signing in lands on 首页, which counts for itself: let that finish, and count only
    // what the page loaded below asks (a late request of the page before is not its own).
    await page.waitForLoadState('networkidle');
    let count = 0;
    let loading = false;
    page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === page.mainFrame()) {
        loading = true;
        count = 0;
        return;
      }
      const url = new URL(request.url());
      if (loading && url.pathname === '/api/notifications' && url.searchParams.get('unread') === 'true') count += 1;
    });
    await page.goto(`${baseUrl}/activities`);
    await page.locator(tid('nav-account')).waitFor({ timeout: 15_000 });
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(1_000);
    assert.equal(count, 1, 'one request to the unread endpoint');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('results before the end: 完成认定 is off with its reason, and a lecture asks no role, award or level', { timeout: 120_000 }, async () => {
  const { id, club } = await clubActivity({
    title: `手机走查讲座（进行中）${Date.now().toString(36)}`,
    category: 'lecture',
    starts_at: at(-10 * MINUTE),
    ends_at: at(120 * MINUTE),
    registration_opens_at: at(-3 * DAY),
    registration_closes_at: at(-10 * MINUTE),
  });
  await api('POST', `/api/activities/${id}/attendance`, club, { student_no: '2023010102' });
  for (const [viewport, size] of [[WIDE, 'desktop'], [PHONE, 'phone']]) {
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, 'acm_admin');
      await page.goto(`${baseUrl}/manage/activities/${id}/results`);
      await waitForText(page, tid('results-grid'), '2023010102');
      await waitForText(page, tid('results-not-ended'), '活动尚未结束');
      assert.equal(await page.locator(tid('results-finalize')).isDisabled(), true);
      assert.equal(await page.locator(tid('results-save')).isDisabled(), true);
      // The reason sits beside the buttons, on screen.
      const reason = await placement(page, tid('results-not-ended'));
      assert.ok(reason.top >= 0 && reason.bottom <= (size === 'phone' ? reason.floor : 900), `the reason is in view: ${JSON.stringify(reason)}`);
      const headings = await page.locator(`${tid('results-grid')} th`).allInnerTexts();
      for (const absent of ['角色', '奖项', '级别']) {
        assert.ok(!headings.includes(absent), `a lecture's grid has no ${absent}: ${headings}`);
      }
      assert.ok(headings.includes('备注'), `备注 is a column: ${headings}`);
      assert.equal(await page.locator(tid('result-role')).count(), 0);
      if (size === 'desktop') {
        // The grid fits the desktop: 备注 is not cut off.
        const fits = await page.evaluate(() => {
          const wrap = document.querySelector('.results-panel .table-wrap');
          return { scroll: wrap.scrollWidth, client: wrap.clientWidth };
        });
        assert.ok(fits.scroll <= fits.client + 1, `the grid needs no sideways scroll: ${JSON.stringify(fits)}`);
      }
      await shot(page, `walk-results-not-ended-${size}.png`);
      await page.locator(tid('lang-switch')).click();
      await waitForText(page, tid('results-not-ended'), 'has not ended');
      await shot(page, `walk-results-not-ended-${size}-en.png`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }
});

test('a competition grid asks role, award and level, and saving answers with a toast on screen', { timeout: 120_000 }, async () => {
  const ends = -DAY;
  const { id, club } = await clubActivity({
    title: `手机走查竞赛 ${Date.now().toString(36)}`,
    category: 'competition',
    starts_at: at(ends - 3 * 60 * MINUTE),
    ends_at: at(ends),
    registration_opens_at: at(ends - 10 * DAY),
    registration_closes_at: at(ends - DAY),
  });
  await api('POST', `/api/activities/${id}/attendance`, club, { student_no: '2023010102', reason: '现场签到表补录' });
  for (const [viewport, size] of [[WIDE, 'desktop'], [PHONE, 'phone']]) {
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, 'acm_admin');
      await page.goto(`${baseUrl}/manage/activities/${id}/results`);
      await waitForText(page, tid('results-grid'), '2023010102');
      const headings = await page.locator(`${tid('results-grid')} th`).allInnerTexts();
      for (const present of ['角色', '奖项', '级别', '备注']) {
        assert.ok(headings.includes(present), `a competition's grid has ${present}: ${headings}`);
      }
      assert.equal(await page.locator(tid('results-not-ended')).count(), 0);
      if (size === 'desktop') {
        const page_ = await page.evaluate(() => document.querySelector('.page').getBoundingClientRect().width);
        assert.ok(page_ > 1200, `the console uses the desktop's width: ${page_}`);
      }
      await page.locator(tid('result-award')).first().selectOption('first');
      await page.locator(tid('result-level')).first().selectOption('school');
      await page.locator(tid('results-save')).click();
      const toast = page.locator(tid('toast'), { hasText: '已保存 1 行' });
      await toast.waitFor({ timeout: 15_000 });
      const where = await placement(page, tid('toast'));
      assert.ok(where.top >= where.header && where.bottom <= (size === 'phone' ? 844 : 900), `the toast is on screen: ${JSON.stringify(where)}`);
      await viewShot(page, `walk-results-saved-${size}.png`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }
});

test('the audit log shows its details as readable pairs in a column wide enough, session ids shortened', { timeout: 90_000 }, async () => {
  const page = await newPage(browser, WIDE);
  try {
    await signIn(page, 'admin');
    await page.goto(`${baseUrl}/audit`);
    await page.locator(tid('audit-row')).first().waitFor({ timeout: 15_000 });
    const cell = page.locator(`${tid('audit-row')} td.cell-audit-details`).first();
    const box = await cell.boundingBox();
    assert.ok(box.width >= 200, `the details column is wide enough: ${box.width}`);
    const text = await page.locator(tid('audit-table')).innerText();
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, 'no raw session id');
    assert.doesNotMatch(text, /\{"/, 'no raw JSON');
    const heights = await page.locator(tid('audit-row')).evaluateAll((rows) => rows.slice(0, 10).map((r) => r.getBoundingClientRect().height));
    assert.ok(Math.max(...heights) < 200, `rows stay short: ${heights}`);
    await shot(page, 'walk-audit-desktop.png');
    await page.locator(tid('lang-switch')).click();
    await waitForText(page, 'h1', 'Audit log');
    await shot(page, 'walk-audit-desktop-en.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

for (const [viewport, size] of [[PHONE, 'phone'], [WIDE, 'desktop']]) {
  test(`index.html paints its shell before the app arrives, and the app replaces it (${size})`, { timeout: 60_000 }, async () => {
    const page = await newPage(browser, viewport);
    let release;
    const held = new Promise((resolve) => {
      release = resolve;
    });
    // The app's module held back, as on a slow network.
    await page.route('**/pkg/web_bg.wasm', async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${baseUrl}/`, { waitUntil: 'commit' });
      const shell = page.locator(tid('boot-shell'));
      await shell.waitFor({ state: 'visible', timeout: 5_000 });
      const bar = await page.evaluate(() => {
        const top = document.querySelector('.boot-top');
        const rect = top.getBoundingClientRect();
        return { background: getComputedStyle(top).backgroundColor, height: rect.height, text: top.innerText };
      });
      assert.equal(bar.background, 'rgb(200, 16, 46)');
      assert.ok(bar.height >= 48, `the header bar is drawn: ${JSON.stringify(bar)}`);
      assert.match(bar.text, /第二课堂成绩单/);
      await screenshot(page, `walk-boot-shell-${size}.png`);
      release();
      await page.locator(tid('school-name')).waitFor({ timeout: 15_000 });
      assert.equal(await shell.count(), 0, 'the app took the shell’s place');
      assert.deepEqual(page.errors, []);
    } finally {
      release();
      await page.context().close();
    }
  });
}
