// Points, the transcript and its verification in the browser. A club recognises a student's
// school-level first prize (as leader) in a competition that ended three days ago and
// finalises; the student sees 2.5 on 我的积分 on a phone, previews the transcript, issues it
// and downloads the PDF; the QR code printed on the PDF opens the public verification page in
// a signed-out browser, which says 真实有效 and shows the student; and the college leaderboard
// puts the student first. The organiser's recognition grid previews each row's points with
// the rules' own code.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import {
  DESKTOP,
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

const STUDENT = '2023010101';
const DAY = 24 * 60 * 60_000;

let browser;
let scratch;
before(async () => {
  browser = await launchBrowser();
  scratch = mkdtempSync(path.join(tmpdir(), 'scs-e2e-points-'));
});
after(async () => {
  await browser?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/**
 * A club-level competition of 程序设计协会 that ended `daysAgo` days ago (inside the current
 * term): dated in the past, so approved by the college on submit; its students recorded as a
 * make-up (within 5 working days of the end) so that results may name them; `results` saved;
 * finalised when asked.
 */
async function pastCompetition(title, results, { finalise, daysAgo = 3 }) {
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  assert.ok(acm, 'the demo club 程序设计协会 (acm) exists');
  const ends = Date.now() - daysAgo * DAY;
  const at = (ms) => new Date(ms).toISOString();
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title,
    category: 'competition',
    credit_level: 'club',
    starts_at: at(ends - 3 * 60 * 60_000),
    ends_at: at(ends),
    place: '信息楼 301',
    capacity: null,
    registration_opens_at: at(ends - 10 * DAY),
    registration_closes_at: at(ends - DAY),
    enrolment_mode: 'first_come',
  });
  let published = await api('POST', `/api/activities/${created.id}/submit`, club);
  if (published.status === 'submitted') {
    const college = await apiToken('cs_admin');
    published = await api('POST', `/api/activities/${created.id}/approve`, college, {});
  }
  assert.equal(published.status, 'published');
  for (const { student_no } of results) {
    await api('POST', `/api/activities/${created.id}/attendance`, club, {
      student_no,
      reason: '现场签到表补录',
    });
  }
  await api('PUT', `/api/activities/${created.id}/results`, club, { results });
  if (finalise) await api('POST', `/api/activities/${created.id}/results/finalize`, club);
  return created.id;
}

/** Points in hundredths as the app prints them: 250 → "2.5", 200 → "2", 125 → "1.25". */
function pts(hundredths) {
  return String(Number((hundredths / 100).toFixed(2)));
}

/**
 * What the rules in force grant for a competition result (as `shared::rules::raw_points`):
 * levels college, school, province, national; awards first … honourable; members scaled.
 */
async function competitionPoints(level, award, role) {
  const { rules } = await api('GET', '/api/rules/current', await apiToken(STUDENT));
  const row = ['college', 'school', 'province', 'national'].indexOf(level);
  const column = ['first', 'second', 'third', 'honourable'].indexOf(award);
  const base = rules.competition[row][column];
  // Round half up in hundredths, as the server does.
  return role === 'member' ? Math.floor((base * rules.team_member_percent + 50) / 100) : base;
}

/**
 * The student's total as the API says it: the prize alone (2.5) when this file runs by
 * itself; other files of the suite may have added to it (an adjustment, another activity).
 */
async function studentTotal() {
  const mine = await api('GET', '/api/me/points', await apiToken(STUDENT));
  return pts(mine.total);
}

/** Nothing is wider than the viewport (no sideways scrolling on a phone). */
async function assertNoOverflow(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/** The text of the QR code on page 1 of a PDF: rasterised by pdftoppm, read by jsQR. */
function qrOfPdf(pdfPath) {
  const prefix = path.join(path.dirname(pdfPath), 'page');
  execFileSync('/usr/bin/pdftoppm', ['-r', '150', '-png', '-f', '1', '-l', '1', pdfPath, prefix]);
  const png = readdirSync(path.dirname(pdfPath)).find((f) => f.startsWith('page') && f.endsWith('.png'));
  assert.ok(png, 'pdftoppm rendered page 1');
  const image = PNG.sync.read(readFileSync(path.join(path.dirname(pdfPath), png)));
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(code, 'a QR code on page 1 of the PDF');
  return code.data;
}

/** The recognised competition every test of the student's pages starts from. */
let recognised;
async function recognisedPrize() {
  if (!recognised) {
    const title = `程序设计竞赛（积分测试）${Date.now()}`;
    await pastCompetition(
      title,
      [{ student_no: STUDENT, attended: true, award: 'first', award_level: 'school', role: 'leader' }],
      { finalise: true },
    );
    const me = await api('GET', '/api/me', await apiToken(STUDENT));
    // 2.5 under the default rules; another test file may have published other rules.
    const points = pts(await competitionPoints('school', 'first', 'leader'));
    recognised = { title, name: me.display_name, points };
  }
  return recognised;
}

test('我的积分 on a phone: 2.5 for a school first prize, the entry, the standing and the requirement', { timeout: 120_000 }, async () => {
  const { title, points } = await recognisedPrize();
  const total = await studentTotal();
  const phone = await newPage(browser, PHONE);
  try {
    await signIn(phone, STUDENT);
    await phone.locator(tid('nav-my-points')).click();
    await phone.waitForURL(/\/points$/);
    await waitForText(phone, tid('points-total'), total);
    assert.equal((await phone.locator(tid('points-total')).innerText()).trim(), total);
    const entry = phone.locator(tid('ledger-entry'), { hasText: title });
    await entry.waitFor();
    assert.equal((await entry.locator(tid('ledger-points')).innerText()).trim(), `+${points}`);
    assert.match(await entry.innerText(), /校级一等奖/);
    assert.equal(await entry.getAttribute('data-reversed'), 'false');
    await waitForText(phone, tid('points-rank'), '学院排名 第 1 /');
    const competition = `${tid('category-bar')}[data-category="competition"]`;
    await waitForText(phone, competition, points);
    assert.equal(await phone.locator(competition).getAttribute('data-met'), '', 'no requirement on competitions');
    assert.equal(
      await phone.locator(`${tid('category-bar')}[data-category="lecture"]`).getAttribute('data-met'),
      'false',
      'lectures are required and missing',
    );
    assert.equal(
      await phone.locator(tid('progress-total')).getAttribute('data-met'),
      'false',
      'a competition alone does not meet the requirement',
    );
    await phone.locator(tid('term-row')).first().waitFor();
    await assertNoOverflow(phone, '我的积分');
    await shot(phone, 'points-phone.png');
    assert.deepEqual(phone.errors, [], 'no uncaught errors in the page');
  } finally {
    await phone.context().close();
  }
});

test('the college leaderboard puts the student first, with the scope in the URL', { timeout: 120_000 }, async () => {
  const { name } = await recognisedPrize();
  const phone = await newPage(browser, PHONE);
  const desktop = await newPage(browser, DESKTOP);
  try {
    // Reached from the standing on 我的积分.
    await signIn(phone, STUDENT);
    await phone.locator(tid('nav-my-points')).click();
    await phone.locator(tid('points-rank')).click();
    await phone.waitForURL(/\/leaderboard\?college=\d+$/);
    const mine = phone.locator(`${tid('board-row')}[data-me="true"]`);
    await mine.waitFor({ timeout: 15_000 });
    assert.equal(await mine.getAttribute('data-rank'), '1');
    assert.match(await mine.innerText(), new RegExp(name));
    await waitForText(phone, tid('my-standing'), '第 1 /');
    assert.match(await phone.locator(tid('board-scope-college')).getAttribute('class'), /segment-on/);
    // Another intake: outside the scope, said so; the URL keeps both choices.
    await phone.locator(tid('board-year')).selectOption('2024');
    await phone.waitForURL(/college=\d+&year=2024/);
    await waitForText(phone, tid('my-standing'), '不在当前范围');
    await phone.locator(tid('board-year')).selectOption('');
    await phone.waitForURL(/\/leaderboard\?college=\d+$/);
    // A reload keeps the scope.
    await phone.reload();
    await phone.locator(`${tid('board-row')}[data-me="true"][data-rank="1"]`).waitFor({ timeout: 15_000 });
    await assertNoOverflow(phone, '排行榜');
    await shot(phone, 'leaderboard-phone.png');

    await signIn(desktop, STUDENT);
    await desktop.goto(`${baseUrl}/leaderboard`);
    await desktop.locator(`${tid('board-row')}[data-me="true"]`).waitFor({ timeout: 15_000 });
    await shot(desktop, 'leaderboard-desktop.png');
    for (const page of [phone, desktop]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await phone.context().close();
    await desktop.context().close();
  }
});

test('成绩单: three styles, 出具并下载 PDF, and the PDF’s QR code verifies 真实有效 signed out', { timeout: 180_000 }, async () => {
  const { title, name } = await recognisedPrize();
  const total = await studentTotal();
  const phone = await newPage(browser, PHONE);
  const verifier = await newPage(browser, PHONE);
  const desktop = await newPage(browser, DESKTOP);
  try {
    await signIn(phone, STUDENT);
    await phone.locator(tid('nav-transcript')).click();
    await phone.waitForURL(/\/transcript/);
    await waitForText(phone, tid('paper-name'), name);
    await waitForText(phone, tid('paper-section'), title);
    await waitForText(phone, tid('paper-total-points'), total);
    // Each style, kept in the URL.
    await phone.locator(tid('style-by_term')).click();
    await phone.waitForURL(/style=by_term/);
    await phone.locator(`${tid('transcript-paper')}[data-style="by_term"]`).waitFor();
    await phone.locator(tid('style-by_method')).click();
    await phone.locator(`${tid('transcript-paper')}[data-style="by_method"]`).waitFor();
    await waitForText(phone, tid('paper-section'), '获奖认定');
    await phone.locator(tid('style-by_category')).click();
    await phone.locator(`${tid('transcript-paper')}[data-style="by_category"]`).waitFor();
    await waitForText(phone, tid('paper-section'), '竞赛');
    await assertNoOverflow(phone, '成绩单');
    await shot(phone, 'transcript-preview-phone.png');

    // Issued, then the PDF fetched with the session's token and saved.
    const downloading = phone.waitForEvent('download', { timeout: 30_000 });
    await phone.locator(tid('issue-pdf')).click();
    const download = await downloading;
    assert.match(download.suggestedFilename(), /^成绩单-SCT-.+\.pdf$/);
    const pdfPath = path.join(scratch, 'transcript.pdf');
    await download.saveAs(pdfPath);
    assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), '%PDF-');
    await phone.locator(tid('issued-serial')).waitFor({ timeout: 15_000 });
    const serial = (await phone.locator(tid('issued-serial')).innerText()).trim();
    assert.match(serial, /^SCT-/);
    const shownLink = await phone.locator(tid('issued-verify-link')).getAttribute('href');
    await assertNoOverflow(phone, '成绩单 after issuing');
    await shot(phone, 'transcript-issued-phone.png');

    // The QR code printed on it opens the verification page the app showed.
    const url = qrOfPdf(pdfPath);
    assert.equal(url, `${baseUrl}/verify/${serial}`);
    assert.equal(shownLink, url);

    // Signed out, in a fresh browser: 真实有效 and what the transcript says.
    await verifier.goto(url);
    await waitForText(verifier, tid('verdict-status'), '真实有效');
    assert.equal(await verifier.locator(tid('verdict')).getAttribute('data-status'), 'genuine');
    await waitForText(verifier, tid('paper-name'), name);
    await waitForText(verifier, tid('paper-section'), title);
    await waitForText(verifier, tid('paper-total-points'), total);
    assert.match(
      await verifier.locator(tid('verify-issued-at')).innerText(),
      /^\d{4}年\d{1,2}月\d{1,2}日（周.）\d{2}:\d{2}/,
    );
    await verifier.locator(tid('nav-login')).waitFor();
    await assertNoOverflow(verifier, 'verification');
    await shot(verifier, 'verify-phone.png');

    // The preview on a desktop screen.
    await signIn(desktop, STUDENT);
    await desktop.goto(`${baseUrl}/transcript?style=by_category`);
    await waitForText(desktop, tid('paper-name'), name);
    await waitForText(desktop, tid('paper-section'), title);
    await shot(desktop, 'transcript-preview-desktop.png');
    for (const page of [phone, verifier, desktop]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await phone.context().close();
    await verifier.context().close();
    await desktop.context().close();
  }
});

test('a serial nobody was issued says 未找到该编号的成绩单, signed out', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await page.goto(`${baseUrl}/verify/SCT-0000-0000-0000-0000-0000-0000`);
    await waitForText(page, tid('verify-unknown'), '未找到该编号的成绩单');
    await assertNoOverflow(page, 'unknown serial');
    await shot(page, 'verify-unknown-phone.png');
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    await page.context().close();
  }
});

test('the recognition grid previews each row’s points with the rules and keeps its achievement', { timeout: 120_000 }, async () => {
  const id = await pastCompetition(
    `程序设计竞赛（预计积分）${Date.now()}`,
    [{ student_no: '2023010102', attended: true, award: 'first', award_level: 'school', role: 'member' }],
    { finalise: false, daysAgo: 2 },
  );
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'acm_admin');
    await page.goto(`${baseUrl}/manage/activities/${id}/results`);
    const row = page.locator(`${tid('result-row')}[data-student="2023010102"]`);
    await row.waitFor({ timeout: 15_000 });
    // What the server's rules grant (2 for a team member of a school first prize by default:
    // 2.5 × 0.8), following every edit.
    const estimate = row.locator(tid('result-estimate'));
    const shows = async (expected) => {
      await page.waitForFunction(
        ([el, want]) => el.innerText.trim() === want,
        [await estimate.elementHandle(), expected],
        { timeout: 15_000 },
      );
    };
    await shows(pts(await competitionPoints('school', 'first', 'member')));
    await row.locator(tid('result-role')).selectOption('leader');
    await shows(pts(await competitionPoints('school', 'first', 'leader')));
    await row.locator(tid('result-level')).selectOption('national');
    await shows(pts(await competitionPoints('national', 'first', 'leader')));
    // An absent row with an award is a mistake: no estimate until it is fixed.
    await row.locator(tid('result-attended')).uncheck();
    await shows('—');
    await row.locator(tid('result-attended')).check();
    await row.locator(tid('result-achievement')).fill('ACM-2026');
    await screenshot(page, 'results-estimate-desktop.png');
    await page.locator(tid('results-save')).click();
    await page.locator(tid('results-saved')).waitFor({ timeout: 15_000 });

    // Saved with the achievement, which a reload keeps (and a later save would not drop).
    const club = await apiToken('acm_admin');
    const saved = await api('GET', `/api/activities/${id}/results`, club);
    assert.equal(saved.items[0].achievement, 'ACM-2026');
    assert.equal(saved.items[0].award_level, 'national');
    await page.reload();
    const reloaded = page.locator(`${tid('result-row')}[data-student="2023010102"] ${tid('result-achievement')}`);
    await reloaded.waitFor({ timeout: 15_000 });
    assert.equal(await reloaded.inputValue(), 'ACM-2026');
    await page.locator(tid('results-save')).click();
    await page.locator(tid('results-saved')).waitFor({ timeout: 15_000 });
    const again = await api('GET', `/api/activities/${id}/results`, club);
    assert.equal(again.items[0].achievement, 'ACM-2026');
    assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
  } finally {
    await page.context().close();
  }
});
