// Personal check-in codes (issue 18), end to end: a student's phone shows its rotating code
// (also offline); an organiser's phone, whose camera is Chromium's fake device playing a Y4M
// file made here, scans it and checks the student in. Then ten students' codes — keys made and
// codes signed here in node, exactly as shared/src/pass.rs does — are scanned by a scanner that
// has gone offline after downloading its roster: the ten wait in the queue, and sync when the
// network is back, each checked in with the method `pass`.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
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
  shot,
  tid,
  waitForText,
} from './helpers.mjs';

/** The student whose phone shows the code (not one the other tests use). */
const STUDENT = '2024030203';
/** Ten students whose codes are made here. */
const TEN = [
  '2024030101', '2024030102', '2024030103', '2024030104', '2024030105',
  '2024030106', '2024030107', '2024030108', '2024030201', '2024030202',
];
/** The fake camera's picture. */
const W = 640;
const H = 480;

let browser;
let work;
before(async () => {
  browser = await launchBrowser();
  work = mkdtempSync(path.join(os.tmpdir(), 'scs-pass-'));
});
after(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every demo account shares the demo's password; most students are not listed by name. */
const password = () => account('2023010101').password;

async function login(username) {
  const answer = await api('POST', '/api/auth/login', null, { username, password: password() });
  return answer.access_token;
}

/**
 * A club activity of 程序设计协会 starting in 15 minutes, sign-up open for 10 more: check-in
 * opens half an hour before the start, so it is open now.
 */
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
    starts_at: at(15),
    ends_at: at(120),
    place: '信息楼 301',
    capacity: null,
    registration_opens_at: at(-60 * 24),
    registration_closes_at: at(10),
    enrolment_mode: 'first_come',
  });
  const published = await api('POST', `/api/activities/${created.id}/submit`, club);
  assert.equal(published.status, 'published');
  return created.id;
}

// ---- Codes, as shared/src/pass.rs makes them ----

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes) {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31];
  return out;
}

/** A phone's key: the Ed25519 pair and the public half as 64 hex digits. */
function makeKey() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return { privateKey, publicHex: raw.toString('hex') };
}

/** The code of key `keyId` for the moment `atMs`: `SCP1:<key>:<step>:<signature>`. */
function codeText(privateKey, keyId, atMs) {
  const step = Math.floor(atMs / 1000 / 5);
  const message = Buffer.alloc(32);
  message.write('scs-pass-v1', 0, 'latin1');
  message.writeBigInt64BE(BigInt(keyId), 16);
  message.writeBigInt64BE(BigInt(step), 24);
  const signature = crypto.sign(null, message, privateKey);
  return `SCP1:${keyId}:${step}:${base32(signature)}`;
}

// ---- The fake camera's video ----

/** A white frame's luma plane with `text` as a QR code in the middle (`scale` px a module). */
function qrFrame(text, scale = 6) {
  const qr = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const n = qr.modules.size;
  const size = (n + 8) * scale;
  const x0 = Math.floor((W - size) / 2);
  const y0 = Math.floor((H - size) / 2);
  const luma = Buffer.alloc(W * H, 255);
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) {
      if (!qr.modules.get(row, col)) continue;
      for (let dy = 0; dy < scale; dy++) {
        const y = y0 + (row + 4) * scale + dy;
        luma.fill(0, y * W + x0 + (col + 4) * scale, y * W + x0 + (col + 5) * scale);
      }
    }
  }
  return luma;
}

/** A PNG (a screenshot of the student's code) centred on a white frame, shrunk to fit. */
function pngFrame(buffer) {
  const png = PNG.sync.read(buffer);
  const k = Math.min(1, (H - 16) / png.height, (W - 16) / png.width);
  const w = Math.floor(png.width * k);
  const h = Math.floor(png.height * k);
  const x0 = Math.floor((W - w) / 2);
  const y0 = Math.floor((H - h) / 2);
  const luma = Buffer.alloc(W * H, 255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 4 * (Math.floor(y / k) * png.width + Math.floor(x / k));
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      luma[(y0 + y) * W + x0 + x] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return luma;
}

/** A Y4M file (10 frames a second, grey chroma) showing each luma plane for `frames` frames. */
function writeY4m(file, planes, frames) {
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  for (const plane of planes) {
    for (let i = 0; i < frames; i++) parts.push(Buffer.from('FRAME\n'), plane, chroma);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** A browser whose camera plays `file` (a blank picture until the file is rewritten). */
async function scannerBrowser(file) {
  writeY4m(file, [Buffer.alloc(W * H, 255)], 2);
  return launchBrowser([
    '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${file}`,
  ]);
}

/** Signs in through the form (any demo account). */
async function signInAs(page, username) {
  await page.goto(`${baseUrl}/login`);
  await page.locator(tid('login-username')).fill(username);
  await page.locator(tid('login-password')).fill(password());
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('nav-account')).waitFor({ timeout: 20_000 });
}

/** Waits until the service worker controls the page (the app shell is kept for offline use).
 *
 * A page whose navigation started while the worker was still installing can stay uncontrolled:
 * the worker's `clients.claim()` may run before that document exists as a client (seen on a
 * loaded CI machine). Such a page works offline as long as it stays open, but a reload would not
 * come from the worker, so it is reloaded once, online, through the now active worker. */
async function serviceWorkerReady(page) {
  await page.evaluate(() => navigator.serviceWorker.ready.then(() => true));
  const controlled = (timeout) =>
    page.waitForFunction(() => Boolean(navigator.serviceWorker.controller), null, { timeout })
      .then(() => true, () => false);
  if (!(await controlled(5_000))) {
    await page.reload();
    assert.ok(await controlled(15_000), 'the reloaded page is controlled by the service worker');
  }
}

const pending = (page) => page.locator(tid('scan-pending')).getAttribute('data-count');

async function english(page) {
  await page.evaluate(() => localStorage.setItem('locale', 'en'));
  await page.reload();
}

test("the service worker is served fresh, with this build's shell to keep", async () => {
  const response = await fetch(`${baseUrl}/sw.js`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.equal(response.headers.get('cache-control'), 'no-cache');
  assert.equal(response.headers.get('service-worker-allowed'), '/');
  const script = await response.text();
  assert.doesNotMatch(script, /__SW_(VERSION|SHELL)__/, 'the build filled the markers in');
  for (const file of ['"/"', '"/boot.js"', '"/style.css"', '"/pkg/web.js"', '"/pkg/web_bg.wasm"', '"/pkg/__wasm_split.js"']) {
    assert.ok(script.includes(file), `the shell lists ${file}`);
  }
  assert.match(script, /"\/pkg\/split_scanner\.[0-9a-f]{16}\.wasm"/, "and the scanner's chunk");
  assert.doesNotMatch(script, /\.br"/, 'but no brotli copies');
});

test('a student shows a personal code, offline too; the organiser scans it and checks them in; ten more scanned offline sync when the network is back', { timeout: 300_000 }, async () => {
  const activityId = await runningActivity(`个人签到码测试 ${Date.now()}`);
  const club = await apiToken('acm_admin');

  // Eleven students with a place.
  const tokens = {};
  for (const no of [STUDENT, ...TEN]) {
    tokens[no] = await login(no);
    await api('POST', `/api/activities/${activityId}/registrations`, tokens[no], { answers: {} });
  }
  const settings = await api('GET', `/api/activities/${activityId}/checkin-settings`, club);
  assert.equal(settings.personal_code, true, 'personal codes are on by default');

  // (a) The student's phone: the code, its name and number, and a screenshot of it.
  const phone = await newPage(browser, PHONE, { offline: true });
  const organiserBrowser = await scannerBrowser(path.join(work, 'one.y4m'));
  try {
    await signInAs(phone, STUDENT);
    await phone.locator(tid('home-my-code')).click();
    await phone.waitForURL(/\/me\/code$/);
    const qr = phone.locator(tid('my-code-qr'));
    await qr.waitFor({ timeout: 20_000 });
    const me = await api('GET', '/api/me', tokens[STUDENT]);
    await waitForText(phone, tid('my-code-name'), me.display_name);
    assert.match(await qr.getAttribute('data-text'), /^SCP1:\d+:\d+:[A-Z2-7]+$/);
    const key = await api('GET', '/api/me/checkin-key', tokens[STUDENT]);
    assert.ok((await qr.getAttribute('data-text')).startsWith(`SCP1:${key.key_id}:`));
    await screenshot(phone, 'personal-code-phone');

    // Offline: the shell comes from the service worker, the key from the phone.
    await serviceWorkerReady(phone);
    await phone.context().setOffline(true);
    await phone.reload();
    await qr.waitFor({ timeout: 20_000 });
    assert.match(await qr.getAttribute('data-text'), /^SCP1:/);
    await waitForText(phone, '.my-code-offline', '无需网络');
    await screenshot(phone, 'personal-code-phone-offline');
    await phone.context().setOffline(false);

    // (b) The organiser's phone scans the student's code, online.
    const organiserContext = await organiserBrowser.newContext({
      viewport: PHONE, locale: 'zh-CN', isMobile: true, hasTouch: true,
    });
    await organiserContext.grantPermissions(['camera'], { origin: baseUrl });
    const scanner = await organiserContext.newPage();
    scanner.errors = [];
    scanner.on('pageerror', (e) => scanner.errors.push(e));
    await signInAs(scanner, 'acm_admin');
    // The picture is the student's code as the phone shows it now (fresh for ±20 s).
    const shot = await phone.locator(tid('my-code-qr')).screenshot();
    writeY4m(path.join(work, 'one.y4m'), [pngFrame(shot)], 10);
    await scanner.goto(`${baseUrl}/activities/${activityId}/scan`);
    await scanner.locator(tid('scanner-ready')).waitFor({ timeout: 30_000 });
    await scanner.locator(`${tid('verdict')}[data-outcome="accepted"]`).waitFor({ timeout: 30_000 });
    await waitForText(scanner, tid('verdict-name'), me.display_name);
    await scanner.locator(`${tid('scan-row')}[data-server="accepted"]`).waitFor({ timeout: 30_000 });
    await screenshot(scanner, 'personal-code-scanner-phone');
    assert.deepEqual(scanner.errors, []);
  } finally {
    await organiserBrowser.close();
    await phone.context().close();
  }

  // (c) Ten students' keys, registered from ten (pretend) phones.
  const keys = {};
  for (const [i, no] of TEN.entries()) {
    const key = makeKey();
    const answer = await api('PUT', '/api/me/checkin-key', tokens[no], {
      device_id: `e2e-phone-${String(i).padStart(4, '0')}`,
      public_key: key.publicHex,
    });
    keys[no] = { ...key, keyId: answer.key_id };
  }

  const videoFile = path.join(work, 'ten.y4m');
  const offlineBrowser = await scannerBrowser(videoFile);
  try {
    // No camera yet: the roster downloads, then the network goes.
    const context = await offlineBrowser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (e) => page.errors.push(e));
    await signInAs(page, 'acm_admin');
    // From the organiser's check-in screen, where both kinds of code are on.
    await page.goto(`${baseUrl}/manage/activities/${activityId}/checkin`);
    await page.locator(`${tid('checkin-settings')} summary`).click();
    assert.equal(await page.locator(tid('settings-projected')).isChecked(), true);
    assert.equal(await page.locator(tid('settings-personal')).isChecked(), true);
    await shot(page, 'personal-code-checkin-settings-desktop');
    await page.locator(tid('open-scanner')).click();
    await page.waitForURL(new RegExp(`/activities/${activityId}/scan$`));
    const ready = page.locator(tid('scanner-ready'));
    await ready.waitFor({ timeout: 30_000 });
    assert.equal(await ready.getAttribute('data-students'), '11');
    await waitForText(page, tid('scanner-ready'), '已可离线扫码');
    await serviceWorkerReady(page);
    await ready.waitFor({ timeout: 30_000 });
    await context.setOffline(true);

    // The ten codes, signed for a moment 15 s ahead (each is good for 20 s either side of its
    // 5-s step, so from now until 40 s on: the reload and the camera take a few), on the
    // camera 0.8 s each, in a loop.
    const at = Date.now() + 15_000;
    writeY4m(videoFile, TEN.map((no) => qrFrame(codeText(keys[no].privateKey, keys[no].keyId, at))), 8);
    await context.grantPermissions(['camera'], { origin: baseUrl });
    await page.reload();
    await ready.waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.dataset.count === '10',
      tid('scan-pending'),
      { timeout: 60_000 },
    );
    const rows = page.locator(tid('scan-row'));
    assert.equal(await rows.count(), 10);
    assert.equal(await page.locator(`${tid('scan-row')}[data-local="accepted"]`).count(), 10);
    await waitForText(page, tid('scan-sync-state'), '离线');
    await screenshot(page, 'personal-code-scanner-offline-desktop');
    // Still ten: the loop shows the codes again, which are duplicates now.
    await page.waitForTimeout(2_000);
    assert.equal(await pending(page), '10');

    // Back online: the queue syncs by itself.
    await context.setOffline(false);
    await page.waitForFunction(
      (selector) => document.querySelector(selector)?.dataset.count === '0',
      tid('scan-pending'),
      { timeout: 30_000 },
    );
    assert.equal(await page.locator(`${tid('scan-row')}[data-server="accepted"]`).count(), 10);
    await waitForText(page, tid('scan-sync-state'), '已全部同步');
    await screenshot(page, 'personal-code-scanner-synced-desktop');
    await english(page);
    await page.locator(tid('scanner-ready')).waitFor({ timeout: 30_000 });
    await waitForText(page, tid('scanner-ready'), 'Ready to scan offline');
    await screenshot(page, 'personal-code-scanner-desktop-en');

    // The activity's attendance: all ten (and the first student) by personal code.
    const list = await api('GET', `/api/activities/${activityId}/attendance?page=1&per_page=100`, club);
    for (const no of [STUDENT, ...TEN]) {
      const record = list.items.find((r) => r.student_no === no);
      assert.ok(record, `${no} is checked in`);
      assert.equal(record.method, 'pass', `${no} by personal code`);
    }
    await page.evaluate(() => localStorage.setItem('locale', 'zh'));
    await page.goto(`${baseUrl}/manage/activities/${activityId}/attendance`);
    await waitForText(page, tid('attendance-total'), '共 11 人签到');
    const table = page.locator(tid('attendance-list'));
    for (const no of TEN) await waitForText(page, tid('attendance-list'), no);
    assert.equal(await table.locator('.badge', { hasText: '扫个人码' }).count(), 11);
    await screenshot(page, 'personal-code-attendance-desktop');
    assert.deepEqual(page.errors, []);
  } finally {
    await offlineBrowser.close();
  }
});

test('the student code page in English, and the code replaced by another phone', { timeout: 120_000 }, async () => {
  const no = '2024030204';
  const token = await login(no);
  const page = await newPage(browser, PHONE);
  try {
    await signInAs(page, no);
    await page.goto(`${baseUrl}/me/code`);
    await page.locator(tid('my-code-qr')).waitFor({ timeout: 20_000 });
    await english(page);
    await page.locator(tid('my-code-qr')).waitFor({ timeout: 20_000 });
    await waitForText(page, tid('my-code'), 'My check-in code');
    await screenshot(page, 'personal-code-phone-en');

    // Another phone takes the code: this one says so and offers to take it back.
    const other = makeKey();
    await api('PUT', '/api/me/checkin-key', token, { device_id: 'e2e-other-phone', public_key: other.publicHex });
    await page.reload();
    await page.locator(tid('my-code-replaced')).waitFor({ timeout: 20_000 });
    assert.equal(await page.locator(tid('my-code-qr')).count(), 0);
    await screenshot(page, 'personal-code-phone-replaced-en');
    await page.locator(tid('my-code-enable')).click();
    await page.locator(tid('my-code-qr')).waitFor({ timeout: 20_000 });
    await waitForText(page, tid('my-code-changes'), 'Phone changes this term');

    // Other phones take it until the term's changes are used up; then this one cannot.
    let refused = false;
    for (let i = 0; i < 10 && !refused; i++) {
      const response = await fetch(`${baseUrl}/api/me/checkin-key`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ device_id: `e2e-other-phone-${i}`, public_key: makeKey().publicHex }),
      });
      refused = response.status === 409;
      if (refused) assert.equal((await response.json()).code, 'device_change_limit');
    }
    assert.ok(refused, 'the school limits phone changes per term');
    await page.reload();
    await page.locator(tid('my-code-enable')).click();
    const limit = page.locator(`${tid('my-code-error')}[data-code="device_change_limit"]`);
    await limit.waitFor({ timeout: 20_000 });
    await waitForText(page, tid('my-code-error'), "This term's phone changes are used up");
    await screenshot(page, 'personal-code-phone-limit-en');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the school sets how many times a term a student may move their code to another phone', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signInAs(page, 'admin');
    await page.goto(`${baseUrl}/manage/checkin-policy`);
    const field = page.locator(tid('policy-device-changes'));
    await field.waitFor({ timeout: 20_000 });
    assert.equal(await field.inputValue(), '3');
    await field.fill('30');
    await waitForText(page, tid('policy-device-changes-error'), '1–20');
    assert.equal(await page.locator(tid('policy-save')).isDisabled(), true);
    await field.fill('5');
    await page.locator(tid('policy-save')).click();
    await page.locator(tid('policy-saved')).waitFor();
    await screenshot(page, 'personal-code-policy-desktop');
    const policy = await api('GET', '/api/school/checkin-policy', await apiToken('admin'));
    assert.equal(policy.device_changes_per_term, 5);
    await api('PUT', '/api/school/checkin-policy', await apiToken('admin'), { ...policy, device_changes_per_term: 3 });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
