// The split web app: a student's phone loads the main WASM module and nothing else, whatever
// student page it opens; the organisations' consoles fetch their chunk on first visit, by deep
// link and by in-app link; and a chunk that cannot be fetched says so and offers a reload
// (see web/src/app.rs, `lazy_pages!`, and xtask/src/web.rs).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  account,
  api,
  baseUrl,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  tid,
} from './helpers.mjs';

const DAY = 24 * 60 * 60_000;

let browser;
/** An activity of the demo club 程序设计协会, open for sign-up: its page has both halves. */
let activityId;
before(async () => {
  browser = await launchBrowser();
  activityId = await openActivity('懒加载测试讲座');
});
after(async () => {
  await browser?.close();
});

/**
 * Records the WASM files the page fetches (their names, `/pkg/` stripped) and checks that each
 * came as `application/wasm`, which `WebAssembly.instantiateStreaming` requires.
 */
function recordWasm(page) {
  const fetched = [];
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (!url.pathname.endsWith('.wasm')) return;
    fetched.push(url.pathname.replace(/^\/pkg\//, ''));
    assert.equal(response.status(), 200, url.pathname);
    assert.match(response.headers()['content-type'] ?? '', /^application\/wasm/, url.pathname);
  });
  return fetched;
}

/** Whether a chunk of `group` (`split_<group>.<hash>.wasm`) is among `fetched`. */
const fetchedChunk = (fetched, group) => fetched.some((name) => name.startsWith(`split_${group}.`));

/** A club-level lecture of 程序设计协会 a week ahead, open for sign-up now (published on submit). */
async function openActivity(title) {
  const { password } = account('acm_admin');
  const { access_token: club } = await api('POST', '/api/auth/login', null, { username: 'acm_admin', password });
  const orgs = await api('GET', '/api/organizations?q=acm', club);
  const acm = orgs.items.find((o) => o.code === 'acm');
  assert.ok(acm, 'the demo club 程序设计协会 (acm) exists');
  const starts = Date.now() + 7 * DAY;
  const at = (ms) => new Date(ms).toISOString();
  const created = await api('POST', '/api/activities', club, {
    organizer_id: acm.id,
    title,
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
  return created.id;
}

test("a student's phone fetches only the main module, on every student page", { timeout: 90_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    const fetched = recordWasm(page);
    await signIn(page, '2023010101');

    await page.locator(tid('nav-activities')).click();
    await page.locator(`${tid('activity-card')}[data-id="${activityId}"]`).click();
    await page.locator(tid('student-action')).waitFor();
    await page.locator(tid('nav-my-points')).click();
    await page.locator(tid('category-bars')).waitFor();
    await page.locator(tid('nav-transcript')).click();
    await page.locator(tid('transcript-paper')).waitFor();
    await page.goto(`${baseUrl}/leaderboard`);
    await page.locator(`${tid('board')}, ${tid('board-empty')}`).first().waitFor();
    await page.goto(`${baseUrl}/calendar`);
    await page.locator(tid('nav-account')).click();
    await page.locator(tid('account-role')).waitFor();
    // A console page: the guard answers before anything is fetched.
    await page.goto(`${baseUrl}/admin/rules`);
    await page.locator(tid('no-permission')).waitFor();

    assert.deepEqual([...new Set(fetched)], ['web_bg.wasm']);
    // The personal check-in code: its own chunk (signing, drawing the QR), never the scanner's
    // QR reader.
    await page.goto(`${baseUrl}/me/code`);
    await page.locator(tid('my-code-qr')).waitFor({ timeout: 15_000 });
    assert.ok(fetchedChunk(fetched, 'my_code'), fetched.join(', '));
    assert.ok(!fetchedChunk(fetched, 'scanner'), fetched.join(', '));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('the consoles fetch their chunk on first visit, by deep link and by link', { timeout: 90_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    const fetched = recordWasm(page);
    await signIn(page, 'admin');
    assert.deepEqual([...new Set(fetched)], ['web_bg.wasm']);

    // A deep link into the points console (a fresh start of the app).
    await page.goto(`${baseUrl}/admin/rules`);
    await page.locator(tid('rules-form')).waitFor({ timeout: 15_000 });
    assert.ok(fetchedChunk(fetched, 'points'), fetched.join(', '));
    assert.ok(!fetchedChunk(fetched, 'accounts'), fetched.join(', '));

    // In-app links into the other consoles.
    await page.locator(tid('nav-org')).click();
    await page.locator(tid('org-row')).first().waitFor({ timeout: 15_000 });
    assert.ok(fetchedChunk(fetched, 'accounts'), fetched.join(', '));
    await page.locator(tid('nav-manage')).click();
    await page.locator(tid('manage-list')).waitFor({ timeout: 15_000 });
    assert.ok(fetchedChunk(fetched, 'activities'), fetched.join(', '));

    // An activity as its organisers see it: the student's page and the organiser's panel.
    await page.locator(`${tid('manage-list')} ${tid('activity-card')}[data-id="${activityId}"]`).click();
    await page.locator(tid('organiser-panel')).waitFor({ timeout: 15_000 });
    assert.ok(fetchedChunk(fetched, 'organiser_panel'), fetched.join(', '));

    // Back in a console already loaded: nothing more to fetch.
    const before = fetched.length;
    await page.locator(tid('nav-points')).click();
    await page.waitForURL(/\/admin\/behind/);
    await page.locator(tid('points-nav-rules')).click();
    await page.locator(tid('rules-form')).waitFor();
    assert.equal(fetched.length, before, fetched.join(', '));
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('a chunk that cannot be fetched says so, and the retry reloads the page', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'admin');
    const offline = (route) => route.abort('internetdisconnected');
    await page.route('**/pkg/split_accounts.*.wasm', offline);
    await page.locator(tid('nav-org')).click();
    const notice = page.locator('.notice-error[data-code="unreachable"]');
    await notice.waitFor({ timeout: 15_000 });
    await screenshot(page, 'chunk-failed-desktop.png');

    await page.unroute('**/pkg/split_accounts.*.wasm', offline);
    await notice.locator('button').click();
    await page.locator(tid('org-row')).first().waitFor({ timeout: 15_000 });
    assert.match(page.url(), /\/org$/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
