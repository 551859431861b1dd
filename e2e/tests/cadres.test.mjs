// Student cadres and practice in the browser, end to end. 计算机学院团委 registers a position
// for 2023010101 through the register's form, starts this term's assessment round (the demo's
// five other college positions and a class monitor are in it too), grades the new position
// 优秀 and the others 称职 within the school's 20 % standard, and submits; the committee
// approves it from its review list; the student then sees the position with 2026-2027-1 优秀 on
// 我的积分, and the transcript's preview and issued PDF list it under 党团学干部经历. Then a
// practice team: the college registers two members through the form, uploads a PDF report and
// certifies; the leader sees the team's 24 hours. Every new screen is saved at both sizes in both
// languages.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

const STUDENT = '2023010101';
const TERM = '2026-2027-1';
const COLLEGE = '计算机学院团委';
// Short enough for one line of the PDF's 职务 column. (The runner gives the suite a fresh
// database: a college has one round a term.)
const TITLE = '团委组织部部长';
const TEAM = '“数字乡村”调研实践团';

let browser;
let scratch;
before(async () => {
  browser = await launchBrowser();
  scratch = mkdtempSync(path.join(tmpdir(), 'scs-e2e-cadres-'));
});
after(async () => {
  await browser?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** Nothing is wider than the viewport (no sideways scrolling on a phone). */
async function assertNoOverflow(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/** Every confirm() the page asks is answered yes. */
function acceptDialogs(page) {
  page.on('dialog', (dialog) => dialog.accept());
}

/** Chooses the option of `select` whose text contains `text` (org pickers indent their names). */
async function chooseByText(page, select, text) {
  const locator = page.locator(select);
  await page.waitForFunction(
    ([sel, want]) => [...(document.querySelector(sel)?.options ?? [])].some((o) => o.text.includes(want)),
    [select, text],
    { timeout: 15_000 },
  );
  const value = await locator.evaluate(
    (el, want) => [...el.options].find((o) => o.text.includes(want)).value,
    text,
  );
  await locator.selectOption(value);
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

/** A small one-page PDF saying what the team did (a real file picked in the browser). */
function reportPdf() {
  const text = 'BT /F1 18 Tf 72 760 Td (Practice report) Tj ET';
  const objects = [
    '<</Type/Catalog/Pages 2 0 R>>',
    '<</Type/Pages/Kids[3 0 R]/Count 1>>',
    '<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 4 0 R>>>>/Contents 5 0 R>>',
    '<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>',
    `<</Length ${text.length}>>stream\n${text}\nendstream`,
  ];
  let body = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj${object}endobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer<</Size ${objects.length + 1}/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  const file = path.join(scratch, '实践报告.pdf');
  writeFileSync(file, body, 'latin1');
  return file;
}

test('an assessment round: registered, graded 优秀, submitted, approved; the student and the transcript show it', { timeout: 240_000 }, async () => {
  const college = await newPage(browser, DESKTOP);
  const committee = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  acceptDialogs(college);
  try {
    // Setup: four more college positions, so that the school's 20 % leaves room for one 优秀.
    const cs = await apiToken('cs_admin');
    const orgs = await api('GET', '/api/organizations?q=cs', cs);
    const csOrg = orgs.items.find((o) => o.code === 'cs');
    assert.ok(csOrg, `the demo college ${COLLEGE} (cs) exists`);
    for (const [no, title] of [
      ['2023010102', '学生会宣传部部长'],
      ['2023010103', '学生会学习部部长'],
      ['2023010104', '学生会宣传部干事'],
      ['2023010105', '学生会学习部干事'],
    ]) {
      await api('POST', '/api/cadre-positions', cs, {
        student_no: no,
        organization_id: csOrg.id,
        title,
        position_type: title.endsWith('干事') ? 'officer' : 'minister',
        starts_on: '2026-09-01',
        ends_on: '2027-06-30',
      });
    }

    // The register's form: a position for the student in the college.
    await signIn(college, 'cs_admin');
    await college.goto(`${baseUrl}/cadres`);
    await college.locator(tid('position-new')).click();
    const form = college.locator(tid('position-form'));
    await form.waitFor();
    // Saved empty: every missing field says so beside it, nothing is sent.
    await college.locator(tid('position-save')).click();
    await waitForText(college, `${tid('position-form')} .field-error`, '请选择');
    await college.locator(tid('position-student')).fill(STUDENT);
    await chooseByText(college, tid('position-org'), COLLEGE);
    await college.locator(tid('position-title')).fill(TITLE);
    await chooseByText(college, tid('position-type'), '部长/副部长');
    await college.locator(tid('position-starts')).fill('2026-09-15');
    await college.locator(tid('position-ends')).fill('2027-06-30');
    await college.locator(tid('position-appointment')).fill('计院团字〔2026〕15号');
    await shot(college, 'cadre-position-form-desktop.png');
    await college.locator(tid('position-save')).click();
    await form.waitFor({ state: 'detached', timeout: 15_000 });
    const registered = college.locator(`${tid('position-row')}[data-student="${STUDENT}"]`, { hasText: TITLE });
    await registered.waitFor({ timeout: 15_000 });
    assert.match(await registered.innerText(), new RegExp(COLLEGE));
    assert.match(await registered.innerText(), /部长\/副部长/);
    assert.match(await registered.innerText(), /计院团字〔2026〕15号/);

    // This term's round, started from the rounds page, opens itself.
    await college.locator(tid('cadre-nav-rounds')).click();
    await college.waitForURL(/\/cadres\/rounds$/);
    await chooseByText(college, tid('round-org'), COLLEGE);
    await chooseByText(college, tid('round-term'), '2026-2027学年第一学期');
    await college.locator(tid('round-start-submit')).click();
    await college.waitForURL(/\/cadres\/rounds\/\d+$/, { timeout: 15_000 });
    const roundUrl = college.url();
    const mine = college.locator(tid('round-item'), { hasText: TITLE });
    await mine.waitFor({ timeout: 15_000 });
    assert.equal(await college.locator(tid('round-item')).count(), 5, 'the five positions held this term');
    // One 优秀 among five college positions: 20 %.
    const excellent = college.locator(`${tid('room')}[data-level="college"] ${tid('room-grade')}[data-grade="excellent"]`);
    const room = Number(await excellent.getAttribute('data-remaining'));
    assert.equal(room, 1, 'room for one 优秀 at college level');
    assert.equal(await college.locator(tid('round-submit')).isDisabled(), true, 'not submitted ungraded');

    await mine.locator(tid('round-grade')).selectOption('excellent');
    await mine.locator(tid('round-comment')).fill('组织团课与主题团日');
    await mine.locator(tid('round-comment')).blur();
    const others = await college.locator(tid('round-item')).all();
    const rest = [];
    for (const row of others) if (!(await row.innerText()).includes(TITLE)) rest.push(row);
    // A second 优秀 is over the standard: said at once, before saving.
    await rest[0].locator(tid('round-grade')).selectOption('excellent');
    await waitForText(college, tid('round-over'), '超出比例');
    assert.equal(await college.locator(tid('round-submit')).isDisabled(), true, 'not submitted over the standard');
    for (const row of rest) await row.locator(tid('round-grade')).selectOption('competent');
    await college.locator(tid('round-over')).waitFor({ state: 'detached' });
    // The room follows the choices before they are saved.
    await college.waitForFunction(
      ([sel, want]) => document.querySelector(sel)?.dataset.remaining === want,
      [`${tid('room')}[data-level="college"] ${tid('room-grade')}[data-grade="excellent"]`, String(room - 1)],
      { timeout: 15_000 },
    );
    await shot(college, 'cadre-round-graded-desktop.png');
    await college.locator(tid('round-save')).click();
    await waitForText(college, tid('round-notice'), '已保存');
    await college.locator(tid('round-submit')).click();
    await waitForText(college, tid('round-notice'), '已提交上级组织审核');
    assert.equal(await college.locator(tid('round-status')).getAttribute('data-status'), 'submitted');
    assert.equal(await college.locator(tid('round-grade')).count(), 0, 'fixed once submitted');

    // The committee finds it in its review list and approves.
    await signIn(committee, 'admin');
    await committee.goto(`${baseUrl}/cadres/rounds`);
    const waiting = committee.locator(`${tid('rounds-review')} ${tid('round-row')}`, { hasText: COLLEGE });
    await waiting.waitFor({ timeout: 15_000 });
    assert.equal(await waiting.getAttribute('data-status'), 'submitted');
    assert.match(await waiting.innerText(), /2026-2027学年第一学期/);
    await shot(committee, 'cadre-rounds-review-desktop.png');
    await waiting.locator(tid('round-open')).click();
    await committee.waitForURL(roundUrl);
    await waitForText(committee, tid('round-item'), TITLE);
    assert.equal(
      (await committee.locator(tid('round-item'), { hasText: TITLE }).locator(tid('round-grade-text')).innerText()).trim(),
      '优秀',
    );
    await committee.locator(tid('round-approve')).click();
    await waitForText(committee, tid('round-notice'), '已通过');
    assert.equal(await committee.locator(tid('round-status')).getAttribute('data-status'), 'approved');
    await shot(committee, 'cadre-round-approved-desktop.png');
    // The college's register shows the grade now.
    await college.goto(`${baseUrl}/cadres?q=${STUDENT}`);
    const graded = college.locator(`${tid('position-row')}[data-student="${STUDENT}"]`, { hasText: TITLE });
    await waitForText(college, `${tid('position-row')}[data-student="${STUDENT}"] ${tid('position-grade')}`, `${TERM} 优秀`);
    assert.match(await graded.locator(tid('position-grade')).innerText(), new RegExp(`${TERM} 优秀`));

    // The student, on a phone: 我的任职 lists it with its grade.
    await signIn(phone, STUDENT);
    await phone.locator(tid('nav-my-points')).click();
    await phone.waitForURL(/\/points$/);
    const held = phone.locator(tid('my-position'), { hasText: TITLE });
    await held.waitFor({ timeout: 15_000 });
    assert.match(await held.innerText(), new RegExp(COLLEGE));
    const grade = held.locator(tid('my-position-grade'));
    assert.equal(await grade.getAttribute('data-grade'), 'excellent');
    assert.equal((await grade.innerText()).trim(), `${TERM} 优秀`);
    await assertNoOverflow(phone, '我的积分 with positions');
    await held.scrollIntoViewIfNeeded();
    await shot(phone, 'points-positions-phone.png');

    // The transcript's preview has the cadre section, and so does the issued PDF.
    await phone.goto(`${baseUrl}/transcript`);
    const cadreSection = phone.locator(tid('paper-cadre'));
    await waitForText(phone, tid('paper-cadre'), TITLE, 15_000);
    assert.match(await cadreSection.innerText(), /党团学干部经历/);
    const line = cadreSection.locator(tid('paper-cadre-line'), { hasText: TITLE });
    assert.match(await line.innerText(), new RegExp(`${TERM} 优秀`));
    assert.match(await line.innerText(), new RegExp(COLLEGE));
    await assertNoOverflow(phone, '成绩单 with positions');
    await shot(phone, 'transcript-cadre-phone.png');
    const downloading = phone.waitForEvent('download', { timeout: 30_000 });
    await phone.locator(tid('issue-pdf')).click();
    const download = await downloading;
    const pdfPath = path.join(scratch, 'transcript.pdf');
    await download.saveAs(pdfPath);
    const text = execFileSync('/usr/bin/pdftotext', ['-layout', pdfPath, '-'], { encoding: 'utf8' });
    assert.match(text, /党团学干部经历/);
    assert.match(text, new RegExp(TITLE));
    // The grade, on the position's own line (a long table may wrap the cell, not the row).
    const pdfLine = text.split('\n').find((l) => l.includes(TITLE));
    assert.match(pdfLine, /优秀/, `the PDF's line of the position: ${pdfLine}`);

    for (const page of [college, committee, phone]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await college.context().close();
    await committee.context().close();
    await phone.context().close();
  }
});

test('a practice team: two members through the form, a PDF report, certified; the leader sees 24 hours', { timeout: 180_000 }, async () => {
  const college = await newPage(browser, DESKTOP);
  const phone = await newPage(browser, PHONE);
  acceptDialogs(college);
  try {
    await signIn(college, 'cs_admin');
    await college.goto(`${baseUrl}/practice`);
    await college.locator(tid('practice-new')).click();
    await college.waitForURL(/\/practice\/new\?kind=practice$/);
    await chooseByText(college, tid('practice-org'), COLLEGE);
    await college.locator(tid('practice-name')).fill(TEAM);
    await college.locator(tid('practice-topic')).fill('县域数字化公共服务调研');
    await college.locator(tid('practice-place')).fill('江西省吉安市');
    await college.locator(tid('practice-instructors')).fill('张老师');
    await college.locator(tid('practice-starts')).fill('2026-11-20');
    await college.locator(tid('practice-ends')).fill('2026-11-22');
    await college.locator(tid('member-no')).first().fill(STUDENT);
    await college.locator(tid('member-leader')).first().check();
    await college.locator(tid('member-add')).click();
    await college.locator(tid('member-no')).nth(1).fill('2023010104');
    await shot(college, 'practice-form-desktop.png');
    await college.locator(tid('practice-save')).click();
    await college.waitForURL(/\/practice\/\d+$/, { timeout: 15_000 });
    const recordUrl = college.url();
    const id = Number(recordUrl.split('/').pop());
    await waitForText(college, tid('practice-title'), TEAM);
    await waitForText(college, tid('practice-default-hours'), '共 3 天，每人默认 24 小时');
    const members = college.locator(tid('practice-member'));
    assert.equal(await members.count(), 2);
    assert.match(await members.filter({ hasText: STUDENT }).innerText(), /负责人/);
    assert.match(await members.filter({ hasText: '2023010104' }).innerText(), /24/);
    assert.equal(await college.locator(`${tid('practice-certified')}`).getAttribute('data-certified'), 'false');

    // Certifying without the report is refused, said beside the button.
    await college.locator(tid('practice-report-none')).waitFor();
    await college.locator(tid('practice-certify')).click();
    await waitForText(college, tid('practice-action-error'), '报告');

    // The report, picked as a file; then certified.
    await college.locator(tid('practice-report-file')).setInputFiles(reportPdf());
    await waitForText(college, tid('practice-notice'), '报告已上传');
    await waitForText(college, tid('practice-report-name'), '实践报告.pdf');
    await college.locator(tid('practice-certify')).click();
    await waitForText(college, tid('practice-notice'), '已认证');
    await college.locator(`${tid('practice-certified')}[data-certified="true"]`).waitFor();
    assert.equal(await college.locator(tid('practice-edit')).count(), 0, 'fixed once certified');
    await shot(college, 'practice-certified-desktop.png');
    const stored = await api('GET', `/api/practice-records/${id}`, await apiToken('cs_admin'));
    assert.equal(stored.certified, true);
    assert.equal(stored.report.content_type, 'application/pdf');

    // The leader, on a phone: the team and its 24 hours on 我的积分.
    await signIn(phone, STUDENT);
    await phone.locator(tid('nav-my-points')).click();
    const record = phone.locator(tid('my-practice-record'), { hasText: TEAM });
    await record.waitFor({ timeout: 15_000 });
    assert.equal(await record.getAttribute('data-certified'), 'true');
    assert.match(await record.innerText(), /24 小时/);
    assert.match(await record.innerText(), /负责人/);
    await assertNoOverflow(phone, '我的积分 with practice');
    await record.scrollIntoViewIfNeeded();
    await shot(phone, 'points-practice-phone.png');
    // Both members certified with the team's 24 hours (the second has no demo password).
    const certified = await api('GET', `/api/practice-records/${id}`, await apiToken('cs_admin'));
    assert.deepEqual(
      certified.members.map((m) => [m.student_no, m.role, m.hours]).sort(),
      [[STUDENT, 'leader', 24], ['2023010104', 'member', 24]],
    );
    for (const page of [college, phone]) {
      assert.deepEqual(page.errors, [], 'no uncaught errors in the page');
    }
  } finally {
    await college.context().close();
    await phone.context().close();
  }
});

// The new screens as they look, at both sizes and in both languages; a phone must not scroll
// sideways on any of them.
for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
]) {
  test(`the cadre and practice screens (${size})`, { timeout: 240_000 }, async () => {
    const page = await newPage(browser, viewport);
    const admin = await newPage(browser, viewport);
    try {
      await signIn(page, 'cs_admin');
      const cs = await apiToken('cs_admin');
      const rounds = await api('GET', '/api/assessment-rounds?scope=own', cs);
      const round = rounds.items[0];
      const records = await api('GET', '/api/practice-records?kind=practice', cs);
      const record = records.items[0];
      const screens = [
        ['/cadres', tid('position-row'), 'cadres', 'Cadre positions'],
        ['/cadres/rounds', tid('round-start'), 'cadre-rounds', 'Cadre assessments'],
        ...(round ? [[`/cadres/rounds/${round.id}`, tid('round-item'), 'cadre-round', round.organization]] : []),
        ['/cadres/settings', tid('position-types'), 'cadre-settings', 'Position types and the standard'],
        ['/practice', tid('practice-row'), 'practice', 'Practice and training'],
        ['/practice/new?kind=practice', tid('practice-form'), 'practice-new', 'Register a practice team'],
        ...(record ? [[`/practice/${record.id}`, tid('practice-member'), 'practice-record', record.name]] : []),
      ];
      for (const [url, ready, name, english] of screens) {
        await page.goto(`${baseUrl}${url}`);
        await page.locator(ready).first().waitFor({ timeout: 15_000 });
        await assertNoOverflow(page, url);
        if (english) {
          await bothLanguages(page, `${name}-${size}`, english);
        } else {
          await shot(page, `${name}-${size}.png`);
        }
      }
      // The form open on the register.
      await page.goto(`${baseUrl}/cadres`);
      await page.locator(tid('position-new')).click();
      await page.locator(tid('position-form')).waitFor();
      await assertNoOverflow(page, 'the position form');
      await bothLanguages(page, `cadre-position-form-${size}`, 'Cadre positions');

      // The school's settings and rules, as the committee sees them.
      await signIn(admin, 'admin');
      await admin.goto(`${baseUrl}/cadres/settings`);
      await admin.locator(tid('standard-row')).first().waitFor({ timeout: 15_000 });
      await assertNoOverflow(admin, '/cadres/settings');
      await bothLanguages(admin, `cadre-settings-admin-${size}`, 'Position types and the standard');
      await admin.goto(`${baseUrl}/admin/rules`);
      await admin.locator('h1').first().waitFor({ timeout: 15_000 });
      await admin.waitForLoadState('networkidle');
      await assertNoOverflow(admin, '/admin/rules');
      await bothLanguages(admin, `rules-${size}`, 'Scoring rules');

      // The student's points page with both new sections.
      const student = await newPage(browser, viewport);
      try {
        await signIn(student, STUDENT);
        await student.goto(`${baseUrl}/points`);
        await student.locator(tid('my-positions')).waitFor({ timeout: 15_000 });
        await student.locator(tid('my-practice')).waitFor({ timeout: 15_000 });
        await assertNoOverflow(student, '/points');
        await bothLanguages(student, `points-cadres-${size}`, 'My points');
        await student.goto(`${baseUrl}/transcript`);
        await student.locator(tid('transcript-paper')).waitFor({ timeout: 15_000 });
        await assertNoOverflow(student, '/transcript');
        await bothLanguages(student, `transcript-${size}`, 'Transcript');
        assert.deepEqual(student.errors, [], 'no uncaught errors in the page');
      } finally {
        await student.context().close();
      }
      for (const p of [page, admin]) assert.deepEqual(p.errors, [], 'no uncaught errors in the page');
    } finally {
      await page.context().close();
      await admin.context().close();
    }
  });
}
