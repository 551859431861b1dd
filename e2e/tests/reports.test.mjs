// One month of work reports (工作月报), end to end. The server froze the latest due month's
// reports when it started (this month from the 28th on, else the month before, in
// Asia/Shanghai). 经济管理学院's account opens 工作月报, opens its report — the figures on the page
// are the API's —, writes its summary, saves and files it: the badge says 已提交 and the form
// is gone. The committee (admin) sees that month with 经济管理学院 filed and every other
// college's state, opens the school's report, compares the colleges, writes its analysis and
// publishes; a college then reads the published report. The .xlsx (a zip) and the PDFs of
// both reports download. Every screen is saved at phone and desktop sizes, in both languages.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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

const COLLEGE_ACCOUNT = 'em_admin';
const COMMENTS = '本月举办学术讲座与志愿服务，参与率较上月提高；下月加强活动成绩按时认定。';
const ANALYSIS = '各学院本月活动平稳，经济管理学院已提交；请未提交的学院尽快提交并按时认定成绩。';

/** The latest month whose report day (the 28th) has begun in Asia/Shanghai: `2026-11`. */
function latestDueMonth(now = new Date()) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  let [year, month] = [Number(parts.year), Number(parts.month)];
  if (Number(parts.day) < 28) {
    month -= 1;
    if (month === 0) {
      month = 12;
      year -= 1;
    }
  }
  return `${year}-${String(month).padStart(2, '0')}`;
}

const MONTH = latestDueMonth();

let browser;
/** Carried from one step to the next: 经济管理学院's report as the API first answered it. */
let emReport;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Nothing is wider than the viewport (no sideways scrolling of the page on a phone). */
async function assertNoOverflow(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/** A screenshot in Chinese, then in English (switched back afterwards). */
async function bothLanguages(page, name, englishHeading) {
  await shot(page, `${name}.png`);
  await page.locator(tid('lang-switch')).first().click();
  await waitForText(page, 'h1', englishHeading);
  await shot(page, `${name}-en.png`);
  await page.locator(tid('lang-switch')).first().click();
  await page.locator('h1').first().waitFor();
}

/** Clicks `button` and answers with the downloaded file's name and bytes. */
async function download(page, button) {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.locator(button).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
}

/** An .xlsx is a zip: `PK` and more than a header. */
function assertXlsx({ name, bytes }) {
  assert.match(name, /\.xlsx$/);
  assert.ok(bytes.length > 1000, `${name} is ${bytes.length} bytes`);
  assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', `${name} is a zip`);
}

function assertPdf({ name, bytes }) {
  assert.match(name, /\.pdf$/);
  assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF', `${name} is a PDF`);
}

/** The API's reports of the month, once the job that ran at start-up froze them. */
async function reportsOfMonth(token) {
  for (let i = 0; i < 30; i += 1) {
    const page = await api('GET', `/api/monthly-reports?month=${MONTH}&per_page=100`, token);
    if (page.items.length > 0) return page.items;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  assert.fail(`no report of ${MONTH} was frozen at start-up`);
}

test(`a college reviews, comments and files its report of ${MONTH}`, { timeout: 180_000 }, async () => {
  const token = await apiToken(COLLEGE_ACCOUNT);
  const [mine] = await reportsOfMonth(token);
  assert.ok(mine, `${COLLEGE_ACCOUNT} has a report of ${MONTH}`);
  assert.equal(mine.status, 'open', 'not filed yet');
  emReport = await api('GET', `/api/monthly-reports/${mine.id}`, token);
  assert.equal(emReport.can_file, true, 'the college may file it');

  const desktop = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  desktop.on('dialog', (dialog) => dialog.accept());
  try {
    // 工作月报 from the navigation: the month's report, its state in words.
    await signIn(desktop, COLLEGE_ACCOUNT);
    await desktop.locator(tid('nav-reports')).click();
    await desktop.waitForURL(/\/reports$/);
    const row = desktop.locator(`${tid('report-row')}[data-month="${MONTH}"]`);
    await row.waitFor({ timeout: 15_000 });
    assert.equal(await row.getAttribute('data-status'), 'open');
    const badge = (await row.locator(tid('report-status')).innerText()).trim();
    assert.ok(
      mine.late ? /逾期未提交/.test(badge) : badge === '待提交',
      `the row says ${badge} (late: ${mine.late})`,
    );
    await bothLanguages(desktop, 'reports-college-list-desktop', 'Monthly reports');

    await signIn(phone, COLLEGE_ACCOUNT);
    await phone.goto(`${baseUrl}/reports`);
    await phone.locator(`${tid('report-row')}[data-month="${MONTH}"]`).waitFor({ timeout: 15_000 });
    await assertNoOverflow(phone, '工作月报 (college)');
    await shot(phone, 'reports-college-list-phone.png');

    // The report: the figures are the frozen JSON's.
    await row.locator(tid('report-open')).click();
    await desktop.waitForURL(new RegExp(`/reports/${mine.id}$`));
    await desktop.locator(tid('report-title')).waitFor({ timeout: 15_000 });
    const figures = emReport.content.figures;
    const shown = async (key) =>
      (await desktop.locator(`${tid('figure')}[data-key="${key}"] strong`).innerText()).trim();
    assert.equal(await shown('registrations'), String(figures.attendance.registrations), '报名人次');
    assert.equal(await shown('attended'), String(figures.attendance.attended), '签到人次');
    assert.equal(await shown('students'), String(figures.students), '学生数');
    assert.equal(await shown('held'), String(figures.held), '举办活动数');
    assert.equal(
      await desktop.locator(tid('report-activity')).count(),
      emReport.content.activities.length,
      'a row per activity held',
    );
    await bothLanguages(desktop, 'report-college-open-desktop', 'report');

    await phone.goto(`${baseUrl}/reports/${mine.id}`);
    await phone.locator(tid('report-title')).waitFor({ timeout: 15_000 });
    await assertNoOverflow(phone, 'a college report');
    await shot(phone, 'report-college-open-phone.png');

    // The summary, saved; then filed.
    await desktop.locator(tid('report-comments-input')).fill(COMMENTS);
    await desktop.locator(tid('report-comments-input')).blur();
    await desktop.locator(tid('report-save')).click();
    await waitForText(desktop, tid('report-notice'), '已保存');
    const saved = await api('GET', `/api/monthly-reports/${mine.id}`, token);
    assert.equal(saved.comments, COMMENTS);
    assert.equal(saved.status, 'open');

    await desktop.locator(tid('report-file')).click();
    await waitForText(desktop, tid('report-notice'), '月报已提交');
    const status = desktop.locator(`.page-head ${tid('report-status')}`);
    assert.equal(await status.getAttribute('data-status'), 'filed');
    assert.match(await status.innerText(), /已提交/);
    assert.equal(await desktop.locator(tid('report-comments-input')).count(), 0, 'read-only once filed');
    assert.equal(await desktop.locator(tid('report-file')).count(), 0, 'filed once');
    assert.match(await desktop.locator(tid('report-comments-text')).innerText(), /学术讲座/);
    await desktop.locator(tid('report-filed')).waitFor();
    const filed = await api('GET', `/api/monthly-reports/${mine.id}`, token);
    assert.equal(filed.status, 'filed');
    assert.equal(filed.can_file, false);
    await shot(desktop, 'report-college-filed-desktop.png');

    // Its files, fetched with the session's token.
    assertXlsx(await download(desktop, tid('report-download-xlsx')));
    assertPdf(await download(desktop, tid('report-download-pdf')));

    for (const page of [desktop, phone]) assert.deepEqual(page.errors, [], 'no uncaught errors');
  } finally {
    await desktop.context().close();
    await phone.context().close();
  }
});

test(`the school sees who filed ${MONTH}, compares the colleges and publishes`, { timeout: 180_000 }, async () => {
  assert.ok(emReport, 'the college step ran');
  const token = await apiToken('admin');
  const all = await reportsOfMonth(token);
  const school = await api('GET', `/api/school-reports/${MONTH}`, token);
  assert.equal(school.status, 'draft');
  assert.equal(school.can_publish, true);

  const desktop = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  desktop.on('dialog', (dialog) => dialog.accept());
  try {
    await signIn(desktop, 'admin');
    await desktop.locator(tid('nav-reports')).click();
    await desktop.waitForURL(/\/reports$/);
    const block = desktop.locator(`${tid('report-month')}[data-month="${MONTH}"]`);
    await block.locator(tid('report-row')).first().waitFor({ timeout: 15_000 });
    // A row per college, each in its state; 经济管理学院's filed.
    assert.equal(await block.locator(tid('report-row')).count(), all.length, 'a row per college');
    for (const report of all) {
      const collegeRow = block.locator(`${tid('report-row')}[data-org="${report.organization}"]`);
      assert.equal(await collegeRow.getAttribute('data-status'), report.status, report.organization);
      const words = (await collegeRow.locator(tid('report-status')).innerText()).trim();
      if (report.late) assert.match(words, /逾期/, `${report.organization} is marked late`);
    }
    const em = block.locator(`${tid('report-row')}[data-org="${emReport.organization}"]`);
    assert.equal(await em.getAttribute('data-status'), 'filed');
    const filedCount = all.filter((r) => r.status === 'filed').length;
    assert.match(await block.locator(tid('month-filed')).innerText(), new RegExp(`${filedCount}\\s*/\\s*${all.length}`));
    await bothLanguages(desktop, 'reports-school-list-desktop', 'Monthly reports');

    await signIn(phone, 'admin');
    await phone.goto(`${baseUrl}/reports`);
    await phone.locator(`${tid('report-month')}[data-month="${MONTH}"] ${tid('report-row')}`).first().waitFor({ timeout: 15_000 });
    await assertNoOverflow(phone, '工作月报 (school)');
    await shot(phone, 'reports-school-list-phone.png');

    // The comparison: a column per college, its figures the API's.
    await block.locator(tid('school-report-open')).click();
    await desktop.waitForURL(new RegExp(`/reports/school/${MONTH}$`));
    await desktop.locator(tid('compare-table')).waitFor({ timeout: 15_000 });
    const fresh = await api('GET', `/api/school-reports/${MONTH}`, token);
    for (const college of fresh.colleges) {
      const cell = desktop.locator(`${tid('compare-row')}[data-key="registrations"] td[data-org="${college.organization}"]`);
      assert.equal((await cell.innerText()).trim(), String(college.figures.attendance.registrations), `${college.organization} 报名人次`);
    }
    const emRow = desktop.locator(`${tid('college-row')}[data-org="${emReport.organization}"]`);
    assert.equal(await emRow.getAttribute('data-status'), 'filed');
    assert.match(await desktop.locator(tid('college-comments')).innerText(), /学术讲座/);
    assert.equal(await desktop.locator(`${tid('bars')}`).count(), 4);
    await bothLanguages(desktop, 'school-report-draft-desktop', 'School report');

    await phone.goto(`${baseUrl}/reports/school/${MONTH}`);
    await phone.locator(tid('compare-table')).waitFor({ timeout: 15_000 });
    await assertNoOverflow(phone, 'the school report');
    await shot(phone, 'school-report-draft-phone.png');

    // The analysis, saved; then published.
    await desktop.locator(tid('school-analysis-input')).fill(ANALYSIS);
    await desktop.locator(tid('school-analysis-input')).blur();
    await desktop.locator(tid('school-save')).click();
    await waitForText(desktop, tid('school-notice'), '已保存');
    await desktop.locator(tid('school-publish')).click();
    await waitForText(desktop, tid('school-notice'), '已发布');
    assert.equal(await desktop.locator(`.page-head ${tid('school-report-status')}`).getAttribute('data-status'), 'published');
    assert.equal(await desktop.locator(tid('school-analysis-input')).count(), 0, 'read-only once published');
    assert.match(await desktop.locator(tid('school-analysis-text')).innerText(), /经济管理学院已提交/);
    const published = await api('GET', `/api/school-reports/${MONTH}`, token);
    assert.equal(published.status, 'published');
    assert.equal(published.analysis, ANALYSIS);
    await shot(desktop, 'school-report-published-desktop.png');

    assertXlsx(await download(desktop, tid('report-download-xlsx')));
    assertPdf(await download(desktop, tid('report-download-pdf')));

    for (const page of [desktop, phone]) assert.deepEqual(page.errors, [], 'no uncaught errors');
  } finally {
    await desktop.context().close();
    await phone.context().close();
  }
});

test(`a college reads the school's published report of ${MONTH}`, { timeout: 120_000 }, async () => {
  const phone = await newPage(browser, PHONE);
  try {
    await signIn(phone, COLLEGE_ACCOUNT);
    await phone.goto(`${baseUrl}/reports`);
    const row = phone.locator(`${tid('school-report-row')}[data-month="${MONTH}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.locator(tid('school-report-open')).click();
    await phone.waitForURL(new RegExp(`/reports/school/${MONTH}$`));
    await waitForText(phone, tid('school-analysis-text'), '已提交');
    assert.equal(await phone.locator(tid('school-analysis-input')).count(), 0, 'only the school writes it');
    assert.equal(await phone.locator(`.page-head ${tid('school-report-status')}`).getAttribute('data-status'), 'published');
    await assertNoOverflow(phone, 'the published school report');
    await shot(phone, 'school-report-published-phone.png');
    assertXlsx(await download(phone, tid('report-download-xlsx')));
    assert.deepEqual(phone.errors, [], 'no uncaught errors');
  } finally {
    await phone.context().close();
  }
});
