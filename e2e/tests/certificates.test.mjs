// E-certificates (电子证书), end to end. 计算机学院's account, on a phone, starts an honour
// template from the standard design, edits it while the live preview follows, is told which
// field the kind does not know, saves it, and issues 优秀学生干部 to two of its students (an
// unknown number is skipped, with the reason); the batch downloads as a zip and one certificate
// as a PDF. The student opens 我的证书, saves the PNG, and the QR code printed on it opens the
// public verification page: 真实有效. The college revokes it with a reason; the verification
// page and the wallet then say so. An activity's page links its public poster. The editor and
// the wallet are saved at phone and desktop sizes, in Chinese and English.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
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
  shot,
  signIn,
  tid,
  waitForText,
} from './helpers.mjs';

const COLLEGE = 'cs_admin';
const STUDENT = '2023010101';
const CLASSMATE = '2023010103';
const NOBODY = '2099999999';
const HONOUR = '优秀学生干部';
const TEMPLATE_NAME = '学生干部荣誉证书';
const BODY_LINE = '在本学期学生工作中认真负责、表现突出，被评为';
const REASON = '评选材料有误，经学院复核后撤销';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** Carried between the steps: the template made, and the student's certificate. */
let templateId;
let studentCertificate;

/** Nothing is wider than the viewport (no sideways scrolling of the page on a phone). */
async function assertNoOverflow(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/** Clicks `button` and answers with the downloaded file's name and bytes. */
async function download(page, button) {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.locator(button).first().click(),
  ]);
  return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
}

/** The text of the QR code in a PNG. */
function qrOfPng(bytes) {
  const image = PNG.sync.read(bytes);
  const code = jsQR(new Uint8ClampedArray(image.data), image.width, image.height);
  assert.ok(code, `a QR code in the ${image.width}×${image.height} PNG`);
  return code.data;
}

/** Opens the certificates console: its tab on a wide screen, 我的 › 证书 on a phone. */
async function openConsole(page) {
  const tab = page.locator(tid('nav-certificates'));
  if (await tab.isVisible()) {
    await tab.click();
  } else {
    await page.locator(tid('nav-account')).click();
    await page.locator(tid('menu-certificates')).click();
  }
  await page.waitForURL(/\/certificates$/);
  await page.locator(`${tid('certificates-table')}, ${tid('certificates-empty')}`).first().waitFor({ timeout: 15_000 });
}

/** The preview's SVG markup. */
const previewSvg = (page) => page.locator(`${tid('template-preview')} svg`).evaluate((svg) => svg.outerHTML);

test('a college designs an honour template on a phone, with its live preview', { timeout: 120_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, COLLEGE);
    await openConsole(page);
    await page.locator(tid('certificates-nav-templates')).click();
    await page.locator(tid('template-new-panel')).waitFor();
    await page.locator(`${tid('template-card')}, ${tid('templates-empty')}`).first().waitFor({ timeout: 15_000 });

    await page.locator(tid('template-new-kind')).selectOption('honour');
    await page.locator(tid('template-new')).click();
    await page.waitForURL(/\/certificates\/templates\/new\?kind=honour/);
    await page.locator(`${tid('template-preview')} svg`).waitFor({ timeout: 15_000 });
    // The standard design, filled with the sample student.
    let svg = await previewSvg(page);
    assert.match(svg, /荣誉证书/);
    assert.match(svg, /张晓明/);

    // Only the kind's fields are offered; a chip inserts its placeholder at the caret.
    const chips = await page.locator(`${tid('template-fields')} [data-field]`).evaluateAll((els) => els.map((e) => e.dataset.field));
    assert.deepEqual(chips, ['name', 'student_no', 'college', 'honour', 'term', 'date']);
    await page.locator(tid('template-name')).fill(TEMPLATE_NAME);
    const body = page.locator(tid('template-body'));
    await body.fill('');
    await page.locator(`${tid('template-fields')} [data-field="name"]`).click();
    await body.press('End');
    await body.pressSequentially(` 同学：\n${BODY_LINE}“`);
    await page.locator(`${tid('template-fields')} [data-field="honour"]`).click();
    await body.press('End');
    await body.pressSequentially('”，{award}。');
    assert.equal(await body.inputValue(), `{name} 同学：\n${BODY_LINE}“{honour}”，{award}。`);
    // The preview follows as one types (the sample honour 优秀共青团员 may wrap across lines).
    svg = await previewSvg(page);
    assert.match(svg, /表现突出/);
    assert.match(svg, /共青团员/);

    // {award} is not a field of an honour certificate: said once the field is left.
    await page.locator(tid('template-issuer')).click();
    await waitForText(page, tid('template-body-error'), '{award}');
    assert.match(await page.locator(tid('template-body-error')).innerText(), /不能用于荣誉证书/);
    await body.fill(`{name} 同学：\n${BODY_LINE}“{honour}”。\n特发此证，以资鼓励。`);
    await page.locator(tid('template-issuer')).click();
    assert.equal((await page.locator(tid('template-body-error')).innerText()).trim(), '');

    await page.locator(tid('template-background')).selectOption('classic');
    svg = await previewSvg(page);
    assert.match(svg, /#b3261e/, 'the red frame');
    await assertNoOverflow(page, 'the template editor');
    await shot(page, 'certificates-template-new-phone.png');

    await page.locator(tid('template-save')).click();
    await page.waitForURL(/\/certificates\/templates\/\d+/, { timeout: 15_000 });
    templateId = Number(page.url().match(/templates\/(\d+)/)[1]);
    await page.locator(tid('template-saved')).waitFor();
    const saved = await api('GET', `/api/certificate-templates/${templateId}`, await apiToken(COLLEGE));
    assert.equal(saved.name, TEMPLATE_NAME);
    assert.equal(saved.kind, 'honour');
    assert.equal(saved.background, 'classic');

    // The server's print preview of the saved design.
    await page.locator(tid('template-print-preview')).click();
    await page.locator(tid('template-print-image')).waitFor({ timeout: 30_000 });
    await shot(page, 'certificates-template-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the college issues the honour to two students, and downloads them', { timeout: 120_000 }, async () => {
  assert.ok(templateId, 'the template of the step before');
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, COLLEGE);
    await page.goto(`${baseUrl}/certificates/templates/${templateId}`);
    await page.locator(tid('template-issue')).click();
    await page.waitForURL(/\/certificates\/issue\?template=\d+/);
    await page.locator(`${tid('issue-form')}[data-kind="honour"]`).waitFor({ timeout: 15_000 });

    // Validated before it is sent: an honour needs its name.
    await page.locator(tid('issue-submit')).click();
    await waitForText(page, tid('issue-honour-error'), '1–30');

    await page.locator(tid('issue-honour')).fill(HONOUR);
    // A column pasted from a spreadsheet.
    await page.locator(tid('issue-students')).fill(`${STUDENT}\r\n${CLASSMATE}\r\n${NOBODY}\r\n`);
    await waitForText(page, '.field-hint', '已识别 3 个学号');
    await page.locator(tid('issue-submit')).click();
    const outcome = page.locator(tid('issue-outcome'));
    await outcome.waitFor({ timeout: 30_000 });
    assert.equal(await outcome.getAttribute('data-issued'), '2');
    assert.equal(await outcome.getAttribute('data-skipped'), '1');
    assert.match(await outcome.locator(`li[data-student="${NOBODY}"]`).innerText(), /没有这个学号的学生/);
    await assertNoOverflow(page, 'the issue page');
    await shot(page, 'certificates-issued-phone.png');

    // 下载全部 (zip): a zip of PDFs.
    const zip = await download(page, tid('issue-zip'));
    assert.match(zip.name, /\.zip$/);
    assert.equal(zip.bytes.subarray(0, 2).toString('latin1'), 'PK', 'a zip');

    // The batch's list: the two, genuine; one downloads as PDF.
    await page.locator(tid('issue-batch-list')).click();
    await page.waitForURL(/\/certificates\?batch=/);
    await page.locator(tid('certificates-batch')).waitFor();
    const rows = page.locator(tid('certificate-row'));
    await rows.first().waitFor({ timeout: 15_000 });
    assert.equal(await rows.count(), 2);
    const students = await rows.evaluateAll((els) => els.map((e) => e.dataset.student).sort());
    assert.deepEqual(students, [STUDENT, CLASSMATE]);
    const pdf = await download(page, `${tid('certificate-row')}[data-student="${STUDENT}"] ${tid('certificate-pdf')}`);
    assert.match(pdf.name, /\.pdf$/);
    assert.equal(pdf.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    await assertNoOverflow(page, 'the certificates list');
    await shot(page, 'certificates-list-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test("the student's wallet: the PNG's QR code opens 真实有效", { timeout: 120_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, STUDENT);
    await page.locator(tid('nav-account')).click();
    await page.locator(tid('menu-my-certificates')).click();
    await page.waitForURL(/\/me\/certificates$/);
    const card = page.locator(tid('wallet-card'), { hasText: HONOUR });
    await card.first().waitFor({ timeout: 15_000 });
    assert.equal(await card.count(), 1);
    assert.equal(await card.getAttribute('data-status'), 'genuine');
    const serial = await card.getAttribute('data-serial');
    assert.match(serial, /^SCC-/);
    const mine = await api('GET', '/api/me/certificates', await apiToken(STUDENT));
    studentCertificate = mine.find((c) => c.serial === serial);
    assert.ok(studentCertificate, 'the API lists it too');
    await assertNoOverflow(page, 'the wallet');
    await shot(page, 'certificates-wallet-phone.png');

    // 保存图片: the PNG, with the verification QR code printed on it.
    const png = await download(page, `${tid('wallet-card')}[data-serial="${serial}"] ${tid('wallet-png')}`);
    assert.match(png.name, /\.png$/);
    const link = qrOfPng(png.bytes);
    const url = new URL(link);
    assert.equal(url.pathname, `/verify/${serial}`);
    // The QR code names the server's public address; here the server under test answers it.
    await page.goto(url.origin === new URL(baseUrl).origin ? link : `${baseUrl}${url.pathname}`);
    const verdict = page.locator(tid('verdict'));
    await verdict.waitFor({ timeout: 15_000 });
    assert.equal(await verdict.getAttribute('data-status'), 'genuine');
    assert.equal((await page.locator(tid('verdict-status')).innerText()).trim(), '真实有效');
    assert.equal((await page.locator(tid('verify-student-no')).innerText()).trim(), STUDENT);
    assert.match(await page.locator(tid('verify-body')).innerText(), new RegExp(HONOUR));
    await page.locator(`${tid('verify-certificate')} svg`).waitFor();
    await assertNoOverflow(page, 'the verification page');
    await shot(page, 'certificates-verify-genuine-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the college revokes it; verification and the wallet say so, with the reason', { timeout: 120_000 }, async () => {
  assert.ok(studentCertificate, "the student's certificate of the step before");
  const { serial } = studentCertificate;
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, COLLEGE);
    await openConsole(page);
    await page.locator(`${tid('certificates-kind')} [data-kind="honour"]`).click();
    await page.locator(tid('certificates-search')).fill(serial);
    await page.waitForURL(/kind=honour.*q=SCC/);
    const row = page.locator(`${tid('certificate-row')}[data-serial="${serial}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.locator(tid('certificate-revoke')).click();
    // A reason is required.
    await page.locator(tid('revoke-confirm')).click();
    await waitForText(page, tid('revoke-reason-error'), '2–500');
    await page.locator(tid('revoke-reason')).fill(REASON);
    await page.locator(tid('revoke-confirm')).click();
    await page.locator(tid('certificates-outcome')).waitFor({ timeout: 15_000 });
    await page.locator(`${tid('certificate-row')}[data-serial="${serial}"][data-status="revoked"]`).waitFor({ timeout: 15_000 });
    await shot(page, 'certificates-revoked-desktop.png');

    // Anyone's verification page.
    const visitor = await newPage(browser, PHONE);
    try {
      await visitor.goto(`${baseUrl}/verify/${serial}`);
      const verdict = visitor.locator(tid('verdict'));
      await verdict.waitFor({ timeout: 15_000 });
      assert.equal(await verdict.getAttribute('data-status'), 'revoked');
      assert.equal((await visitor.locator(tid('verdict-status')).innerText()).trim(), '已撤销');
      assert.match(await visitor.locator(tid('verdict-reason')).innerText(), new RegExp(REASON));
      await shot(visitor, 'certificates-verify-revoked-phone.png');
      // An unknown certificate serial is said to be unknown.
      await visitor.goto(`${baseUrl}/verify/SCC-0000-0000-0000-0000-0000-0000`);
      await visitor.locator(tid('verify-unknown')).waitFor({ timeout: 15_000 });
      assert.deepEqual(visitor.errors, []);
    } finally {
      await visitor.context().close();
    }

    // The student's wallet: revoked, with the reason, and no downloads.
    const student = await newPage(browser, PHONE);
    try {
      await signIn(student, STUDENT);
      await student.goto(`${baseUrl}/me/certificates`);
      const card = student.locator(`${tid('wallet-card')}[data-serial="${serial}"]`);
      await card.waitFor({ timeout: 15_000 });
      assert.equal(await card.getAttribute('data-status'), 'revoked');
      assert.match(await card.locator(tid('wallet-revoke-reason')).innerText(), new RegExp(REASON));
      assert.equal(await card.locator(tid('wallet-png')).count(), 0);
    } finally {
      await student.context().close();
    }
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test("an activity's page links its public poster", { timeout: 60_000 }, async () => {
  // A club's lecture a week ahead, published on submit.
  const club = await apiToken('acm_admin');
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  assert.ok(acm, 'the demo club 程序设计协会 (acm) exists');
  const DAY = 24 * 60 * 60_000;
  const starts = Date.now() + 7 * DAY;
  const at = (ms) => new Date(ms).toISOString();
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title: '证书海报测试讲座',
    category: 'lecture',
    credit_level: 'club',
    starts_at: at(starts),
    ends_at: at(starts + 2 * 60 * 60_000),
    place: '信息楼 301',
    capacity: null,
    registration_opens_at: at(Date.now() - DAY),
    registration_closes_at: at(starts - DAY),
    enrolment_mode: 'first_come',
  });
  const published = await api('POST', `/api/activities/${created.id}/submit`, club);
  assert.equal(published.status, 'published');
  const page = await newPage(browser, PHONE);
  try {
    await signIn(page, STUDENT);
    await page.goto(`${baseUrl}/activities/${created.id}`);
    const link = page.locator(tid('activity-poster'));
    await link.waitFor({ timeout: 15_000 });
    const href = await link.getAttribute('href');
    assert.equal(href, `/api/activities/${created.id}/poster.png`);
    assert.equal(await link.getAttribute('target'), '_blank');
    // Public: no token needed.
    const response = await fetch(`${baseUrl}${href}`);
    assert.equal(response.status, 200);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.equal(bytes.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the editor and the wallet on a desktop, in Chinese and English', { timeout: 120_000 }, async () => {
  assert.ok(templateId, 'the template of the first step');
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, COLLEGE);
    await page.goto(`${baseUrl}/certificates/templates/${templateId}`);
    await page.locator(`${tid('template-preview')} svg`).waitFor({ timeout: 15_000 });
    await shot(page, 'certificates-template-desktop.png');
    await page.locator(tid('lang-switch')).click();
    await waitForText(page, tid('template-save'), 'Save template');
    await shot(page, 'certificates-template-desktop-en.png');
    await page.goto(`${baseUrl}/certificates/templates`);
    await page.locator(tid('template-card')).first().waitFor({ timeout: 15_000 });
    await shot(page, 'certificates-templates-desktop-en.png');
    await page.locator(tid('lang-switch')).click();
    await page.goto(`${baseUrl}/certificates`);
    await page.locator(tid('certificate-row')).first().waitFor({ timeout: 15_000 });
    await shot(page, 'certificates-list-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
  const student = await newPage(browser, DESKTOP);
  try {
    await signIn(student, STUDENT);
    await student.goto(`${baseUrl}/me/certificates`);
    await student.locator(tid('wallet-card')).first().waitFor({ timeout: 15_000 });
    await shot(student, 'certificates-wallet-desktop.png');
    await student.locator(tid('lang-switch')).click();
    await waitForText(student, 'h1', 'My certificates');
    await shot(student, 'certificates-wallet-desktop-en.png');
    assert.deepEqual(student.errors, []);
  } finally {
    await student.context().close();
  }
});
