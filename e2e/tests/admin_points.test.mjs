// The points console: the school admin edits the scoring rules (an invalid team factor is
// refused next to its field, the preview follows the rules as they are typed) and publishes a
// version; a college admin finds the students behind the requirement, adjusts one student's
// points and sees the total change; and prints one class's transcripts as a PDF.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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

/** Signs in through the form and waits for the navigation of a signed-in account. */
async function signIn(page, username) {
  await page.goto(`${baseUrl}/login`);
  await page.locator(tid('login-username')).fill(username);
  await page.locator(tid('login-password')).fill(account(username).password);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('nav-account')).waitFor({ timeout: 15_000 });
}

/** A full-page screenshot from the top (the sticky header stays where it belongs). */
async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return screenshot(page, name);
}

/** The text of the first element matching `selector`, trimmed. */
async function text(page, selector) {
  return (await page.locator(selector).first().innerText()).trim();
}

test('the school admin edits the rules, sees the preview follow and publishes a version', { timeout: 120_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'admin');
    // 积分 opens the console; the rules are one of its tabs.
    await page.locator(tid('nav-points')).click();
    await page.waitForURL(/\/admin\/behind/);
    await page.locator(tid('points-nav-rules')).click();
    await page.waitForURL(/\/admin\/rules$/);
    await page.locator(tid('rules-form')).waitFor();
    const versionsBefore = await page.locator(tid('rules-version-row')).count();

    // A sample competition fact: a school-level first prize as a team member (2.5 × 80 %).
    const factor = page.locator(tid('rules-team-member-percent'));
    await factor.fill('80');
    await page.locator(tid('sample-add-kind')).selectOption('competition');
    await page.locator(tid('sample-add')).click();
    const sample = page.locator(`${tid('sample-row')}[data-kind="competition"]`).last();
    await sample.locator(tid('sample-level')).selectOption('school');
    await sample.locator(tid('sample-award')).selectOption('first');
    await sample.locator(tid('sample-role')).selectOption('member');
    await waitForText(page, `${tid('sample-row')}[data-kind="competition"] ${tid('sample-granted')}`, '2');
    assert.equal((await sample.locator(tid('sample-granted')).innerText()).trim(), '2');

    // 150 % is refused next to the field, with the rule of `shared`, and publishing waits.
    await factor.fill('150');
    await waitForText(page, tid('rules-team-member-percent-error'), '0 到 100');
    assert.equal(await factor.getAttribute('aria-invalid'), 'true');
    await page.locator(tid('rules-blocked')).waitFor();
    assert.equal(await page.locator(tid('rules-publish')).isDisabled(), true);
    await shot(page, 'admin-rules-invalid-desktop.png');

    // Fixed: 50 %, and the preview grants 1.25 at once.
    await factor.fill('50');
    assert.equal((await text(page, tid('rules-team-member-percent-error'))), '');
    await waitForText(page, `${tid('sample-row')}[data-kind="competition"] ${tid('sample-granted')}`, '1.25');
    assert.equal(await page.locator(tid('rules-blocked')).count(), 0);

    // Published from the current term, with a note: a new version heads the list.
    await page.locator(tid('rules-note')).fill('团队成员系数调整为 50%');
    await page.locator(tid('rules-publish')).click();
    await waitForText(page, tid('rules-published'), '已发布');
    await page.waitForFunction(
      ([selector, count]) => document.querySelectorAll(selector).length === count,
      [tid('rules-version-row'), versionsBefore + 1],
    );
    // It applies from the current term: it is the version in force now.
    const newest = page.locator(tid('rules-version-row')).first();
    assert.match(await newest.innerText(), /团队成员系数调整为 50%/);
    await newest.locator(tid('rules-in-force')).waitFor();
    await shot(page, 'admin-rules-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the rules editor on a phone, read by a college admin', { timeout: 90_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, 'admin');
    await page.goto(`${baseUrl}/admin/rules`);
    await page.locator(tid('rules-form')).waitFor();
    await page.locator(tid('sample-row')).first().waitFor();
    await shot(page, 'admin-rules-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
  const reader = await newPage(browser, DESKTOP);
  try {
    // Other organisation accounts read the rules and try the preview, but cannot change them.
    await signIn(reader, 'cs_admin');
    await reader.goto(`${baseUrl}/admin/rules`);
    await reader.locator(tid('rules-read-only')).waitFor();
    assert.equal(await reader.locator(tid('rules-team-member-percent')).isDisabled(), true);
    assert.equal(await reader.locator(tid('rules-publish')).count(), 0);
    assert.deepEqual(reader.errors, []);
  } finally {
    await reader.context().close();
  }
});

test('a college admin finds students behind the requirement and adjusts one', { timeout: 120_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'cs_admin');
    await page.locator(tid('nav-points')).click();
    await page.waitForURL(/\/admin\/behind/);
    await page.locator(tid('behind-row')).first().waitFor();
    // The intake filter lives in the URL.
    await page.locator(tid('behind-year')).selectOption('2023');
    await page.waitForURL(/year=2023/);
    // The previous list stays on screen until the new page arrives: wait until every row is 2023.
    await page.waitForFunction(
      (sel) => {
        const rows = [...document.querySelectorAll(sel)];
        return rows.length > 0 && rows.every((row) => row.dataset.student.startsWith('2023'));
      },
      tid('behind-row'),
      { timeout: 15_000 },
    );
    const numbers = await page
      .locator(tid('behind-row'))
      .evaluateAll((rows) => rows.map((row) => row.dataset.student));
    assert.ok(numbers.length > 0 && numbers.every((n) => n.startsWith('2023')), numbers.join(','));
    assert.match(await text(page, tid('behind-missing')), /\d+(\.\d+)?\/\d+/);
    await shot(page, 'admin-behind-desktop.png');

    await page.locator(tid('behind-student')).first().click();
    await page.waitForURL(/\/admin\/students\/\d+\/points$/);
    await page.locator(tid('points-total')).waitFor();
    const before = Number(await text(page, tid('points-total')));

    // The reason is required: checked in the browser before anything is sent.
    await page.locator(tid('adjust-category')).selectOption('volunteer');
    await page.locator(tid('adjust-points')).fill('0.5');
    await page.locator(tid('adjust-submit')).click();
    await waitForText(page, tid('adjust-reason-error'), '原因');

    await page.locator(tid('adjust-reason')).fill('马拉松志愿服务补记');
    // The server's verdict on a field shows next to that field: no term holds 2010.
    const today = await page.locator(tid('adjust-date')).inputValue();
    await page.locator(tid('adjust-date')).fill('2010-01-04');
    await page.locator(tid('adjust-submit')).click();
    await waitForText(page, tid('adjust-date-error'), '不在任何学期内');
    assert.equal(Number(await text(page, tid('points-total'))), before);

    await page.locator(tid('adjust-date')).fill(today);
    await page.locator(tid('adjust-submit')).click();
    await waitForText(page, tid('adjust-saved'), '+0.5');
    await page.waitForFunction(
      ([selector, expected]) => Number(document.querySelector(selector)?.innerText) === expected,
      [tid('points-total'), Math.round((before + 0.5) * 100) / 100],
    );
    await waitForText(page, tid('ledger-row'), '马拉松志愿服务补记');

    // A cadre position with its assessment: 院级 × 优秀 (1.5 × 100 %).
    await page.locator(tid('fact-kind')).selectOption('cadre');
    await page.locator(tid('fact-title')).fill('计算机学院学生会宣传部部长');
    await page.locator(tid('fact-level')).selectOption('College');
    await page.locator(tid('fact-grade')).selectOption('Excellent');
    await page.locator(tid('fact-submit')).click();
    await page.locator(tid('fact-saved')).waitFor();
    await page.waitForFunction(
      ([selector, expected]) => Number(document.querySelector(selector)?.innerText) === expected,
      [tid('points-total'), Math.round((before + 2) * 100) / 100],
    );
    await waitForText(page, tid('ledger-row'), '宣传部部长');
    await shot(page, 'admin-student-points-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('a college admin prints one class as a PDF and downloads it', { timeout: 180_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'cs_admin');
    await page.goto(`${baseUrl}/admin/behind`);
    await page.locator(tid('points-nav-print')).click();
    await page.waitForURL(/\/admin\/print$/);
    await page.locator(`${tid('print-org')} option`).first().waitFor({ state: 'attached' });
    await page.locator(tid('print-year')).selectOption('2023');
    await page.locator(tid('print-class')).fill('软件2302');
    await page.locator(tid('print-style-by_term')).check();
    await page.locator(tid('print-format-pdf')).check();
    await page.locator(tid('print-start')).click();

    // Polled every second until done: 8 students in the class.
    await page.locator(tid('print-job')).waitFor();
    await page.locator(`${tid('print-job')}[data-status="done"]`).waitFor({ timeout: 150_000 });
    assert.match(await text(page, tid('print-count')), /^8 \/ 8/);
    await page.locator(tid('print-job-row')).first().waitFor();
    await shot(page, 'admin-print-desktop.png');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(tid('print-download')).click(),
    ]);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    const bytes = await readFile(await download.path());
    assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
