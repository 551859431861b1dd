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

/** The code of the term after `code` (2030-2031-1 → 2030-2031-2 → 2031-2032-1). */
function nextTermCode(code) {
  const [first, , number] = code.split('-').map(Number);
  return number === 1 ? `${first}-${first + 1}-2` : `${first + 1}-${first + 2}-1`;
}

test('the school admin adds the next term, suggested from the last', { timeout: 90_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'admin');
    await page.goto(`${baseUrl}/admin/rules`);
    // Newest first: the suggestion follows the last term.
    const last = await page.locator(tid('term-row')).first().getAttribute('data-code');
    const next = nextTermCode(last);
    await page.locator(tid('term-add')).click();
    assert.equal(await page.locator(tid('term-code')).inputValue(), next);
    assert.match(await page.locator(tid('term-name')).inputValue(), /学年第[一二]学期$/);

    // Checked as typed with the server's own rule.
    await page.locator(tid('term-name')).fill('');
    await waitForText(page, tid('term-name-error'), '1–50');
    assert.equal(await page.locator(tid('term-save')).isDisabled(), true);
    const name = `${next.slice(0, 9)}学年第${next.endsWith('-1') ? '一' : '二'}学期`;
    await page.locator(tid('term-name')).fill(name);
    assert.equal(await text(page, tid('term-name-error')), '');
    await page.locator(tid('term-save')).click();
    await waitForText(page, tid('term-added'), name);
    await page.waitForFunction(
      ([selector, code]) => document.querySelector(selector)?.dataset.code === code,
      [tid('term-row'), next],
    );
    // The new term can carry rules: it is offered to publish from.
    await page.locator(`${tid('rules-term')} option`, { hasText: name }).waitFor({ state: 'attached' });

    // The same code again: the server refuses it (409) and says why.
    await page.locator(tid('term-add')).click();
    await page.locator(tid('term-code')).fill(next);
    await page.locator(tid('term-save')).click();
    await waitForText(page, tid('term-error'), '学期代码已存在');
    // Four ended terms unless asked: the list stays short.
    assert.ok((await page.locator(tid('term-row')).count()) < 20);
    await page.locator(tid('terms-all')).click();
    await page.waitForFunction((sel) => document.querySelectorAll(sel).length > 20, tid('term-row'));
    await page.locator(tid('terms-all')).click();
    await shot(page, 'admin-terms-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('a college admin issues a student\'s transcript and revokes it', { timeout: 120_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  // A student of 经济管理学院, whose admin issues and revokes.
  const student = '2024020101';
  let serial;
  try {
    await signIn(page, 'em_admin');
    // From the people list to the student's transcript.
    await page.goto(`${baseUrl}/people`);
    await page.locator(tid('people-search')).fill(student);
    const row = page.locator(`${tid('student-row')}[data-student="${student}"]`);
    await row.waitFor();
    await row.locator(tid('student-transcript')).click();
    await page.waitForURL(/\/admin\/students\/\d+\/transcript/);
    await page.locator('.paper-frame').waitFor();
    await page.locator(tid('style-by_term')).click();
    await page.waitForURL(/style=by_term/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator(tid('issue-pdf')).click(),
    ]);
    const bytes = await readFile(await download.path());
    assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF');
    serial = await text(page, tid('issued-serial'));
    assert.match(serial, /^SCT-/);
    await waitForText(page, tid('transcript-student'), student);

    // It heads the issued list, current; the reason is required to revoke it.
    const issued = page.locator(`${tid('issued-row')}[data-serial="${serial}"]`);
    await issued.waitFor();
    assert.equal(await issued.getAttribute('data-status'), 'genuine');
    assert.equal(await page.locator(tid('issued-row')).first().getAttribute('data-serial'), serial);
    await issued.locator(tid('issued-revoke')).click();
    await page.locator(tid('revoke-confirm')).click();
    await waitForText(page, tid('revoke-reason-error'), '原因');
    await page.locator(tid('revoke-reason')).fill('班级信息有误，重新出具');
    await page.locator(tid('revoke-confirm')).click();
    await waitForText(page, tid('transcript-revoked'), serial);
    await page.locator(`${tid('issued-row')}[data-serial="${serial}"][data-status="revoked"]`).waitFor();
    await waitForText(page, `${tid('issued-row')}[data-serial="${serial}"]`, '班级信息有误');
    assert.equal(await page.locator(`${tid('issued-row')}[data-serial="${serial}"] ${tid('issued-revoke')}`).count(), 0);
    // The notice of the issue no longer presents it as valid.
    assert.equal(await page.locator(tid('issued')).count(), 0);
    await shot(page, 'admin-student-transcript-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }

  // Anyone holding the paper sees that it was revoked, and why.
  const verifier = await newPage(browser, PHONE);
  try {
    await verifier.goto(`${baseUrl}/verify/${serial}`);
    await verifier.locator(`${tid('verdict')}[data-status="revoked"]`).waitFor();
    await waitForText(verifier, tid('verdict-reason'), '班级信息有误，重新出具');
    assert.deepEqual(verifier.errors, []);
  } finally {
    await verifier.context().close();
  }
});
