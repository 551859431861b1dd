// The skeleton of the app: it loads at both sizes, deep links work, the language switch
// persists across reloads, and the API's fallbacks (unknown route, docs) answer.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  DESKTOP,
  PHONE,
  baseUrl,
  launchBrowser,
  newPage,
  screenshot,
  waitForText,
} from './helpers.mjs';

const DB_STATUS = '[data-testid=db-status]';
const LANG_SWITCH = '[data-testid=lang-switch]';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

for (const [size, viewport] of [
  ['phone', PHONE],
  ['desktop', DESKTOP],
]) {
  test(`home shows the school's name (${size})`, { timeout: 60_000 }, async () => {
    const page = await newPage(browser, viewport);
    try {
      await page.goto(`${baseUrl}/`);
      await page.getByText('示范大学').first().waitFor({ timeout: 15_000 });
      await screenshot(page, `home-${size}.png`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  });

  test(`status page by deep link, language switch persists (${size})`, { timeout: 60_000 }, async () => {
    const page = await newPage(browser, viewport);
    try {
      await page.goto(`${baseUrl}/status`);
      await waitForText(page, DB_STATUS, '正常');
      await screenshot(page, `status-${size}.png`);

      await page.locator(LANG_SWITCH).first().click();
      await waitForText(page, DB_STATUS, 'Up');
      assert.doesNotMatch(await page.locator(DB_STATUS).first().innerText(), /正常/);

      await page.reload();
      await waitForText(page, DB_STATUS, 'Up');
      await screenshot(page, `status-${size}-en.png`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.context().close();
    }
  });
}

test('unknown API routes answer 404 route_not_found', async () => {
  const response = await fetch(`${baseUrl}/api/nope`);
  assert.equal(response.status, 404);
  const body = await response.json();
  assert.equal(body.code, 'route_not_found');
});

test('the API docs are served', async () => {
  const response = await fetch(`${baseUrl}/docs/`);
  assert.equal(response.status, 200);
  assert.match(await response.text(), /swagger/i);
});

test('calendar lists the holidays and computes a deadline across National Day (phone)', { timeout: 60_000 }, async () => {
  const page = await newPage(browser, PHONE);
  try {
    await page.goto(`${baseUrl}/calendar?year=2026`);
    await waitForText(page, '[data-testid=day-list]', '国庆节');

    // Checked as you type, with the server's own rule: 600 working days is out of range.
    await page.fill('[data-testid=deadline-days]', '600');
    await waitForText(page, '[data-testid=deadline-days-error]', '0–500');
    assert.equal(await page.locator('[data-testid=deadline-submit]').isDisabled(), true);

    await page.fill('[data-testid=deadline-start]', '2026-09-30');
    await page.fill('[data-testid=deadline-days]', '5');
    await page.click('[data-testid=deadline-submit]');
    await waitForText(page, '[data-testid=deadline-result]', '2026年10月13日');
    await screenshot(page, 'calendar-phone.png');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.context().close();
  }
});
