// 统计分析 and 指导老师工作量 in the browser, end to end. The school's admin opens /insight: the
// headline figures are the ones `GET /api/insight/dashboard` answers the same account, the
// charts are SVG images with a spoken label, a chart's 表格 switch shows its numbers, the page
// says when the figures were read, and 下载 Excel delivers a workbook. The instructor T2015001
// then opens 工作量 from the tab bar and sees their own sheet. Each screen is saved on a phone
// and a desktop, in both languages.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  api,
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

/** Nothing is wider than the viewport (no sideways scrolling on a phone). */
async function assertNoOverflow(page, what) {
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  assert.ok(scroll <= width, `${what}: the page is ${scroll}px wide in a ${width}px viewport`);
}

/** The access token the signed-in page holds (the app keeps its session in localStorage). */
async function pageToken(page) {
  return page.evaluate(() => {
    for (let i = 0; i < localStorage.length; i += 1) {
      try {
        const value = JSON.parse(localStorage.getItem(localStorage.key(i)));
        if (value && typeof value.access_token === 'string') return value.access_token;
      } catch {
        // Not JSON: the locale.
      }
    }
    return null;
  });
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

const SIZES = [
  ['phone', PHONE],
  ['desktop', DESKTOP],
];

test('the school sees its live dashboard: real figures, charts, tables and the workbook', { timeout: 120_000 }, async () => {
  for (const [size, viewport] of SIZES) {
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, 'admin');
      await page.goto(`${baseUrl}/insight`);
      await page.locator(tid('kpi-students-value')).waitFor({ timeout: 20_000 });
      await waitForText(page, tid('insight-updated'), '数据更新于');

      // The figures are the API's, asked with the page's own session.
      const token = await pageToken(page);
      assert.ok(token, 'the page holds a session');
      const board = await api('GET', '/api/insight/dashboard', token);
      const number = async (key) => (await page.locator(tid(`kpi-${key}-value`)).innerText()).trim();
      assert.equal(await number('students'), String(board.students));
      assert.equal(await number('activities'), String(board.activities));
      assert.equal(await number('registrations'), String(board.attendance.registrations));
      assert.equal(await number('no-shows'), String(board.attendance.no_shows));
      const points = board.points.reduce((sum, p) => sum + p.points, 0);
      assert.equal(await number('points'), String(points));
      assert.ok(board.students > 0, 'the demo school has students');

      // The charts are images that say what they show.
      const weeks = page.locator(`${tid('chart-weeks')}`);
      await weeks.waitFor();
      assert.equal(await weeks.getAttribute('role'), 'img');
      assert.ok((await weeks.getAttribute('aria-label')).length > 0);
      assert.ok((await page.locator('svg.chart-svg').count()) >= 5, 'the dashboard draws its charts');

      // The table switch of 各学院参与率 shows the same numbers.
      await page.locator(tid('insight-college-toggle')).click();
      const table = page.locator(`${tid('insight-college')} ${tid('participation-table')}`);
      await table.waitFor();
      const first = board.by_college[0];
      assert.ok(first, 'the school has colleges');
      await waitForText(page, `${tid('insight-college')} ${tid('participation-table')}`, first.label);
      await waitForText(page, `${tid('insight-college')} ${tid('participation-table')}`, String(first.students));
      await assertNoOverflow(page, `the dashboard (${size})`);
      await page.locator(tid('insight-college-toggle')).click();
      await page.locator(tid('chart-college')).waitFor();

      await bothLanguages(page, `insight-${size}`, 'Insight');

      if (size === 'desktop') {
        const download = page.waitForEvent('download');
        await page.locator(tid('insight-download')).click();
        const file = await download;
        assert.match(file.suggestedFilename(), /\.xlsx$/);
        const bytes = readFileSync(await file.path());
        assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'an .xlsx is a zip');
      }
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }
});

test('the school reads the instructors’ workload with each one’s activities', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, DESKTOP);
  try {
    await signIn(page, 'admin');
    await page.goto(`${baseUrl}/workload`);
    await page.locator(`${tid('workload-table')}, ${tid('workload-empty')}`).first().waitFor({ timeout: 20_000 });
    if (await page.locator(tid('workload-row')).count() > 0) {
      await page.locator(tid('workload-expand')).first().click();
      await page.locator(`${tid('workload-activities')} li`).first().waitFor();
    }
    await shot(page, 'workload-org-desktop.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});

test('an instructor opens 工作量 from the tab bar and sees their own sheet', { timeout: 90_000 }, async () => {
  for (const [size, viewport] of SIZES) {
    const page = await newPage(browser, viewport);
    try {
      await signIn(page, 'T2015001');
      await page.locator(tid('nav-workload')).click();
      await waitForText(page, 'h1', '我的工作量');
      await page.locator(`${tid('workload-activities')}, ${tid('workload-empty')}`).first().waitFor({ timeout: 20_000 });
      await assertNoOverflow(page, `the workload (${size})`);
      await bothLanguages(page, `workload-${size}`, 'My workload');
      // A dashboard is the organisations'.
      await page.goto(`${baseUrl}/insight`);
      await page.locator(tid('no-permission')).waitFor();
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  }
});
