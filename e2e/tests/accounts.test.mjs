// Accounts in the browser: signing in at phone size as a student and as a college admin, the
// admin creating a sub-account that may only view reports, that sub-account seeing only what
// it may do (after the forced password change of a reset), field errors next to their field,
// and the session surviving reloads and token expiry.

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

/** Signs in through the form; does not wait for the outcome. */
async function submitLogin(page, username, password) {
  if (!page.url().includes('/login')) {
    await page.goto(`${baseUrl}/login`);
  }
  await page.locator(tid('login-username')).fill(username);
  await page.locator(tid('login-password')).fill(password);
  await page.locator(tid('login-submit')).click();
}

/** Signs in and waits for the tab bar of a signed-in account. */
async function signIn(page, username, password) {
  await submitLogin(page, username, password);
  await page.locator(tid('nav-account')).waitFor({ timeout: 15_000 });
}

/** The test ids of the navigation entries shown (on phones some fold into 我的). */
async function navEntries(page) {
  return page
    .locator(`${tid('nav')} a`)
    .evaluateAll((links) => links.filter((a) => getComputedStyle(a).display !== 'none').map((a) => a.dataset.testid));
}

/** Signs out from 我的 and waits for the sign-in form. */
async function signOut(page) {
  await page.locator(tid('nav-account')).click();
  await page.locator(tid('logout')).click();
  await page.waitForURL(/\/login/);
  await page.locator(tid('login-form')).waitFor();
}

test('a student signs in at phone size and keeps the session across a reload', { timeout: 90_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    const student = account('2023010101');
    await page.goto(`${baseUrl}/login`);
    // Checked on leaving the field, with the account-name rule of `shared`.
    await page.locator(tid('login-username')).fill('学号 1');
    await page.locator(tid('login-username')).blur();
    await waitForText(page, tid('login-username-error'), '学号');
    await screenshot(page, 'login-phone.png');

    await signIn(page, student.username, student.password);
    // 积分 and 成绩单 take the phone's bar; 校历 and 排行榜 fold into 我的.
    assert.deepEqual(await navEntries(page), ['nav-home', 'nav-activities', 'nav-my-points', 'nav-transcript', 'nav-account']);

    await page.locator(tid('nav-account')).click();
    await waitForText(page, tid('account-role'), '学生');
    await screenshot(page, 'account-student-phone.png');

    await page.reload();
    await waitForText(page, tid('account-role'), '学生');

    // Organisation pages are not for students.
    await page.goto(`${baseUrl}/org`);
    await page.locator(tid('no-permission')).waitFor();
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('a wrong password shows the error next to the password field', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await submitLogin(page, account('em_admin').username, 'Wrong-password-1');
    await waitForText(page, tid('login-password-error'), '账号或密码错误');
    assert.match(page.url(), /\/login/);
    assert.equal(await page.locator(tid('login-password')).getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'login-wrong-password-phone.png');

    // Editing the field clears the server's verdict.
    await page.locator(tid('login-password')).fill('x');
    assert.equal((await page.locator(tid('login-password-error')).innerText()).trim(), '');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('a college admin creates a view-only sub-account, which sees only what it may (phone)', { timeout: 180_000 }, async () => {
  const admin = account('cs_admin');
  const username = `e2e_rep_${Date.now().toString(36)}`;
  const page = await newPage(browser, PHONE);
  try {
    // The college admin: five tabs on a phone; 人员 and 日志 fold into 我的.
    await signIn(page, admin.username, admin.password);
    assert.deepEqual(await navEntries(page), [
      'nav-home',
      'nav-manage',
      'nav-reviews',
      'nav-org',
      'nav-account',
    ]);
    await page.locator(tid('nav-org')).click();
    const cs = page.locator(`${tid('org-row')}[data-code="cs"]`);
    await cs.waitFor();
    await screenshot(page, 'org-tree-phone.png');

    // A sub-account of 计算机学院团委 holding only 查看报表 (view_reports).
    await cs.locator(tid('org-accounts')).first().click();
    await waitForText(page, tid('org-accounts-title'), '计算机学院团委');
    await page.locator(tid('sub-account-new')).click();
    await page.locator(tid('sub-account-username')).fill(username);
    await page.locator(tid('sub-account-name')).fill('计算机学院团委·报表');
    // The password rule of `shared`, on leaving the field.
    await page.locator(tid('sub-account-password')).fill('short');
    await page.locator(tid('sub-account-password')).blur();
    await waitForText(page, tid('sub-account-password-error'), '8–128');
    await page.locator(tid('sub-account-password')).fill('Report2026ok');
    await page.locator(tid('sub-account-permissions-view_reports')).check();
    await screenshot(page, 'sub-account-form-phone.png');
    await page.locator(tid('sub-account-submit')).click();
    await waitForText(page, tid('sub-account-created'), username);
    const card = page.locator(`${tid('account-card')}[data-username="${username}"]`);
    await card.waitFor();
    const granted = await card
      .locator(`${tid('account-permissions')} [data-permission]`)
      .evaluateAll((tags) => tags.map((t) => t.dataset.permission));
    assert.deepEqual(granted, ['view_reports']);

    // Reset its password: the one-time password is shown once.
    page.once('dialog', (dialog) => dialog.accept());
    await card.locator(tid('account-reset-password')).click();
    const oneTime = (await card.locator(tid('one-time-password')).innerText()).trim();
    assert.ok(oneTime.length >= 8, `one-time password ${oneTime}`);
    await card.scrollIntoViewIfNeeded();
    await screenshot(page, 'sub-account-reset-phone.png');
    await signOut(page);

    // The sub-account signs in with the one-time password and must change it first.
    await submitLogin(page, username, oneTime);
    await page.locator(tid('must-change-password')).waitFor({ timeout: 15_000 });
    assert.match(page.url(), /\/account$/);
    assert.deepEqual(await navEntries(page), ['nav-account']);
    await page.goto(`${baseUrl}/audit`);
    await page.waitForURL(/\/account$/);
    await page.locator(tid('current-password')).fill(oneTime);
    await page.locator(tid('new-password')).fill('abcdefgh');
    await page.locator(tid('new-password')).blur();
    await waitForText(page, tid('new-password-error'), '字母和一个数字');
    assert.equal(await page.locator(tid('password-submit')).isDisabled(), true);
    await screenshot(page, 'must-change-password-phone.png');
    await page.locator(tid('new-password')).fill('Reports2026x');
    await page.locator(tid('repeat-password')).fill('Reports2026x');
    await page.locator(tid('password-submit')).click();
    await page.locator(tid('nav-audit')).waitFor({ timeout: 15_000 });

    // Only what it may: the log (any organisation account), the tree, points (积分预警 with
    // view_reports), no people.
    assert.deepEqual(await navEntries(page), ['nav-home', 'nav-org', 'nav-points', 'nav-audit', 'nav-account']);
    await page.goto(`${baseUrl}/people`);
    await page.locator(tid('no-permission')).waitFor();
    await screenshot(page, 'sub-account-no-permission-phone.png');
    await page.goto(`${baseUrl}/people/import`);
    await page.locator(tid('no-permission')).waitFor();

    await page.locator(tid('nav-audit')).click();
    await page.locator(tid('audit-row')).first().waitFor();
    await screenshot(page, 'audit-phone.png');

    // The tree is readable, but nothing in it is manageable.
    await page.locator(tid('nav-org')).click();
    await page.locator(`${tid('org-row')}[data-code="cs"]`).waitFor();
    assert.equal(await page.locator(tid('org-accounts')).count(), 0);

    await page.locator(tid('nav-account')).click();
    const held = await page
      .locator(`${tid('account-permissions')} [data-permission]`)
      .evaluateAll((tags) => tags.map((t) => t.dataset.permission));
    assert.deepEqual(held, ['view_reports']);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('an expired access token is refreshed once, silently; a dead session goes to sign-in', { timeout: 90_000 }, async () => {
  const publisher = account('cs_publisher');
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, publisher.username, publisher.password);
    const stored = async () => JSON.parse(await page.evaluate(() => localStorage.getItem('session')));
    const before = await stored();

    // The first audit request answers as if the access token had expired.
    let expiredOnce = false;
    await page.route('**/api/audit**', async (route) => {
      if (expiredOnce) return route.continue();
      expiredOnce = true;
      await route.fulfill({
        status: 401,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'token_expired', message: 'the access token has expired; refresh it' }),
      });
    });
    await page.locator(tid('nav-audit')).click();
    await page.locator(tid('audit-row')).first().waitFor();
    const after = await stored();
    assert.equal(expiredOnce, true);
    assert.notEqual(after.refresh_token, before.refresh_token, 'the refresh token was rotated');
    await page.unroute('**/api/audit**');

    // The session ends elsewhere (退出所有设备 on another device).
    const response = await fetch(`${baseUrl}/api/auth/logout-all`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${after.access_token}` },
    });
    assert.equal(response.status, 204);
    await page.locator(tid('nav-org')).click();
    await page.waitForURL(/\/login\?next=%2Forg/);
    await page.locator(tid('session-expired')).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('session')), null);

    // Signing in again returns to where the user was.
    await signIn(page, publisher.username, publisher.password);
    await page.waitForURL(/\/org$/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the console at desktop size: the tree and the accounts of an organisation', { timeout: 90_000 }, async () => {
  const admin = account('cs_admin');
  const page = await newPage(browser, DESKTOP);
  try {
    await page.goto(`${baseUrl}/org`);
    // Signed out: sent to sign in, and back afterwards.
    await page.waitForURL(/\/login\?next=%2Forg/);
    await signIn(page, admin.username, admin.password);
    await page.waitForURL(/\/org$/);
    const cs = page.locator(`${tid('org-row')}[data-code="cs"]`);
    await cs.waitFor();
    // cs_admin manages its own subtree only.
    assert.equal(await page.locator(`${tid('org-row')}[data-code="em"] ${tid('org-accounts')}`).count(), 0);
    assert.equal(await page.locator(`${tid('org-row')}[data-code="acm"] ${tid('org-accounts')}`).count(), 1);
    await page.locator(tid('org-search')).fill('协会');
    await page.waitForURL(/q=/);
    await cs.waitFor({ state: 'detached' });
    await page.locator(`${tid('org-row')}[data-code="acm"]`).waitFor();
    await screenshot(page, 'org-search-desktop.png');

    await page.goto(`${baseUrl}/org`);
    await cs.locator(tid('org-accounts')).first().click();
    await page.locator(`${tid('account-card')}[data-username="cs_reports"]`).waitFor();
    await screenshot(page, 'org-accounts-desktop.png');

    await page.locator(tid('nav-audit')).click();
    await page.locator(tid('audit-row')).first().waitFor();
    await page.locator(`${tid('audit-filter')} [data-action="account."]`).click();
    await page.waitForURL(/action=account/);
    await screenshot(page, 'audit-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
