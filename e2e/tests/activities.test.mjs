// Activities in the browser: a club (程序设计协会, acm_admin) publishes a school-level activity
// with two questions of its own (a single choice and a mobile number); its college
// (计算机学院团委, cs_admin) and then the school (校团委, admin) approve it in their review
// queues; a student signs up on a phone, the mobile number checked as typed; and the organiser
// sees the answers in the registrant list.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  baseUrl,
  demoAccounts,
  launchBrowser,
  newPage,
  screenshot,
  waitForText,
} from './helpers.mjs';

const tid = (id) => `[data-testid="${id}"]`;
const accounts = demoAccounts();
const account = (username) => {
  const found = accounts.find((a) => a.username === username);
  assert.ok(found, `demo account ${username} is listed in DEMO_ACCOUNTS`);
  return found;
};

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Signs in through the form and waits for the tab bar of a signed-in account. */
async function signIn(page, username) {
  const { password } = account(username);
  await page.goto(`${baseUrl}/login`);
  await page.locator(tid('login-username')).fill(username);
  await page.locator(tid('login-password')).fill(password);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('nav-account')).waitFor({ timeout: 15_000 });
}

/** The test ids of the navigation entries a user can see. */
async function visibleNav(page) {
  return page
    .locator(`${tid('nav')} a`)
    .evaluateAll((links) => links.filter((a) => getComputedStyle(a).display !== 'none').map((a) => a.dataset.testid));
}

/** A screenshot from the top of the page (the sticky header then sits where it belongs). */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return screenshot(page, name);
}

/** Approves the activity titled `title` in the review queue of `username`. */
async function approveAs(username, title, shot) {
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, username);
    await page.locator(tid('nav-reviews')).click();
    const item = page.locator(tid('review-item'), { hasText: title });
    await item.waitFor();
    await waitForText(page, `${tid('review-item')} ${tid('review-age')}`, '已等待');
    await screenshot(page, shot);
    await item.locator(tid('review-approve')).click();
    await item.waitFor({ state: 'detached' });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
}

test('a club publishes, the college and the school approve, a student signs up, the organiser sees the answers', { timeout: 240_000 }, async () => {
  const title = `算法训练营 e2e ${Date.now().toString(36)}`;
  let activityId;

  // The club writes the activity with its own questions, at desktop size.
  {
    const page = await newPage(browser, DESKTOP);
    try {
      await signIn(page, 'acm_admin');
      await page.locator(tid('nav-manage')).click();
      await page.locator(tid('activity-new')).click();
      await page.locator(tid('activity-form')).waitFor();
      // The rules of `shared` as you type: a title is required.
      await page.locator(tid('activity-title-input')).fill('x');
      await page.locator(tid('activity-title-input')).fill('');
      await waitForText(page, tid('activity-title-input-error'), '标题');
      await page.locator(tid('activity-title-input')).fill(title);
      await page.locator(`${tid('activity-category')} option:nth-child(2)`).waitFor({ state: 'attached' });
      await page.locator(tid('activity-category')).selectOption({ index: 1 });
      await page.locator(tid('activity-level')).selectOption('school');
      await page.locator(tid('activity-description')).fill('面向全校的算法训练营，每周六下午集中训练。');
      await page.locator(tid('activity-place')).fill('信息楼 301');
      await page.locator(tid('activity-campus')).fill('主校区');
      await page.locator(tid('activity-capacity')).fill('30');

      await page.locator(tid('field-add')).click();
      await page.locator(tid('field-0-kind')).selectOption('SingleChoice');
      await page.locator(tid('field-0-label')).fill('参赛语言');
      await page.locator(tid('field-0-options')).fill('C++\nJava\nPython');
      await page.locator(tid('field-0-required')).check();
      await page.locator(tid('field-add')).click();
      await page.locator(tid('field-1-kind')).selectOption('Phone');
      await page.locator(tid('field-1-label')).fill('联系电话');
      await page.locator(tid('field-1-help')).fill('用于活动当天联系');
      await page.locator(tid('field-1-required')).check();
      // A choice question without choices is refused as you type.
      await page.locator(tid('field-add')).click();
      await page.locator(tid('field-2-kind')).selectOption('MultipleChoice');
      await page.locator(tid('field-2-label')).fill('临时问题');
      await waitForText(page, tid('field-2-options-error'), '1–50 个选项');
      await page.locator(tid('field-2-remove')).click();
      assert.equal(await page.locator(tid('field-editor')).count(), 2);
      await shot(page, 'activity-form-desktop.png');

      await page.locator(tid('activity-save-submit')).click();
      await page.waitForURL(/\/activities\/\d+$/);
      await page.locator(`${tid('activity')}[data-status="submitted"]`).waitFor();
      activityId = Number(page.url().match(/\/activities\/(\d+)$/)[1]);
      await waitForText(page, tid('review-chain'), '计算机学院团委');
      await shot(page, 'activity-submitted-desktop.png');
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }

  // Up the tree: the college, then the school.
  await approveAs('cs_admin', title, 'reviews-college-phone.png');
  await approveAs('admin', title, 'reviews-school-phone.png');

  // A student signs up on a phone.
  {
    const page = await newPage(browser, PHONE);
    try {
      await signIn(page, '2023010101');
      assert.deepEqual(await visibleNav(page), ['nav-home', 'nav-activities', 'nav-my-points', 'nav-transcript', 'nav-account']);
      await page.locator(tid('nav-activities')).click();
      await page.locator(tid('feed-open')).check();
      await page.waitForURL(/open=1/);
      await page.locator(tid('feed-search')).fill(title);
      await page.waitForURL(/q=/);
      const card = page.locator(tid('activity-card'), { hasText: title });
      await card.waitFor();
      await waitForText(page, `${tid('activity-card')} ${tid('activity-state')}`, '报名中');
      await screenshot(page, 'activities-feed-phone.png');
      await card.click();
      await page.waitForURL(new RegExp(`/activities/${activityId}$`));
      await page.locator(tid('register-open')).waitFor();
      await shot(page, 'activity-detail-phone.png');

      await page.locator(tid('register-open')).click();
      await page.locator(tid('register-form')).waitFor();
      // Submitting empty marks every required question.
      await page.locator(tid('register-submit')).click();
      await waitForText(page, tid('answer-q1-error'), '参赛语言');
      await page.locator(tid('answer-q1-1')).check();
      // A wrong mobile number is refused as typed, next to its question.
      await page.locator(tid('answer-q2')).fill('12345');
      await page.locator(tid('answer-q2')).blur();
      await waitForText(page, tid('answer-q2-error'), '手机号为 11 位数字');
      await shot(page, 'activity-signup-invalid-phone.png');
      await page.locator(tid('answer-q2')).fill('13800138000');
      assert.equal(await page.locator(tid('answer-q2-error')).innerText(), '');
      await page.locator(tid('register-submit')).click();
      await waitForText(page, tid('register-done'), '报名成功');
      await page.locator(`${tid('my-registration')}[data-status="confirmed"]`).waitFor();
      await page.locator(tid('register-cancel')).waitFor();
      await shot(page, 'activity-signed-up-phone.png');

      // 我的 → 我的活动 shows the sign-up with its state.
      await page.locator(tid('nav-account')).click();
      await page.locator(tid('menu-my-activities')).click();
      const mine = page.locator(`${tid('my-activity')}[data-activity="${activityId}"]`);
      await mine.waitFor();
      assert.equal(await mine.locator(tid('my-activity-status')).innerText(), '报名成功');
      await screenshot(page, 'my-activities-phone.png');
      await page.locator(tid('nav-account')).click();
      await page.locator(tid('menu-notifications')).click();
      await page.locator(`${tid('notifications')}, ${tid('notifications-empty')}`).first().waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }

  // The organiser sees the answers, as a table on the desktop and as cards on a phone.
  for (const [viewport, size] of [[DESKTOP, 'desktop'], [PHONE, 'phone']]) {
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, 'acm_admin');
      await page.goto(`${baseUrl}/activities/${activityId}`);
      await page.locator(tid('activity-registrations')).click();
      const row = page.locator(`${tid('registration-row')}[data-student="2023010101"]`);
      await row.waitFor();
      const answers = await row.locator(tid('registration-answer')).allInnerTexts();
      assert.deepEqual(answers.map((a) => a.trim().replace(/^.*\n/, '')), ['Java', '13800138000']);
      await waitForText(page, tid('registrations-table'), '参赛语言');
      await screenshot(page, `registrations-${size}.png`);
      if (size === 'desktop') {
        const download = page.waitForEvent('download');
        await page.locator(tid('export-csv')).click();
        assert.match((await download).suggestedFilename(), /\.csv$/);
      }
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }
});

test('an organisation account sees 活动管理 and 审核 without crowding the phone tab bar', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, 'cs_admin');
    const shown = await visibleNav(page);
    assert.deepEqual(shown, ['nav-home', 'nav-manage', 'nav-reviews', 'nav-org', 'nav-account']);
    // The folded entries are on 我的.
    await page.locator(tid('nav-account')).click();
    await page.locator(tid('menu-people')).waitFor();
    await page.locator(tid('menu-audit')).click();
    await page.locator(tid('audit-row')).first().waitFor();
    await page.locator(tid('nav-manage')).click();
    await page.locator(`${tid('manage-list')}, ${tid('manage-empty')}`).first().waitFor();
    await screenshot(page, 'manage-activities-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
