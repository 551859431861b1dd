// Shared helpers of the end-to-end tests (run by `cargo xtask test`, see e2e/src/main.rs).
//
// Environment: BASE_URL (the server under test), SCREENSHOT_DIR (where PNGs go) and
// DEMO_ACCOUNTS (`role<TAB>username<TAB>password` lines printed by `api seed-demo`).

import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

/** The server under test, without a trailing slash. */
export const baseUrl = (process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');

/** A phone-sized viewport (the students' app). */
export const PHONE = { width: 390, height: 844 };

/** A desktop viewport (the organisations' console). */
export const DESKTOP = { width: 1280, height: 800 };

const screenshotDir = process.env.SCREENSHOT_DIR ?? path.resolve('e2e/screenshots');

/**
 * Headless Chromium from the system; playwright-core gives it a fresh profile each time.
 * `extraArgs` adds command-line switches (a fake camera, say).
 */
export function launchBrowser(extraArgs = []) {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      ...extraArgs,
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A page in a fresh context (own storage) at `viewport`, in Chinese, the app's default
 * language. Uncaught page errors (a wasm panic, say) and panic messages are collected in
 * `page.errors`.
 *
 * The app's service worker (web/sw.js) is blocked unless `offline` is set: a test that routes
 * requests (`page.route`) would otherwise see some of them answered from the worker's cache,
 * and each context would download the whole app shell for nothing.
 */
export async function newPage(browser, viewport, { offline = false } = {}) {
  const phone = viewport.width < 600;
  const context = await browser.newContext({
    viewport,
    locale: 'zh-CN',
    isMobile: phone,
    hasTouch: phone,
    serviceWorkers: offline ? 'allow' : 'block',
  });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error));
  // A wasm panic's message and place (console_error_panic_hook logs them before the trap):
  // kept with the trap, so a failure says where the app panicked.
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('panicked at')) {
      page.errors.push(new Error(message.text()));
    }
  });
  return page;
}

/** Waits until an element matching `selector` is visible and contains `text`. */
export async function waitForText(page, selector, text, timeout = 15_000) {
  await page.locator(selector, { hasText: text }).first().waitFor({ state: 'visible', timeout });
}

/** Saves a full-page PNG named `name` under SCREENSHOT_DIR; returns its path. */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, name.endsWith('.png') ? name : `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The demo accounts as `{ role, username, password }` objects. */
export function demoAccounts() {
  return (process.env.DEMO_ACCOUNTS ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [role, username, password] = line.split('\t');
      return { role, username, password };
    });
}

/** The CSS selector of a `data-testid`. */
export const tid = (id) => `[data-testid="${id}"]`;

/** The demo account named `username`; fails when DEMO_ACCOUNTS does not list it. */
export function account(username) {
  const found = demoAccounts().find((a) => a.username === username);
  assert.ok(found, `demo account ${username} is listed in DEMO_ACCOUNTS`);
  return found;
}

/** Signs in through the form and waits for the navigation of a signed-in account. */
export async function signIn(page, username) {
  await page.goto(`${baseUrl}/login`);
  await page.locator(tid('login-username')).fill(username);
  await page.locator(tid('login-password')).fill(account(username).password);
  await page.locator(tid('login-submit')).click();
  await page.locator(tid('nav-account')).waitFor({ timeout: 15_000 });
}

/** A full-page screenshot from the top (the sticky header stays where it belongs). */
export async function shot(page, name) {
  await page.evaluate(() => window.scrollTo(0, 0));
  return screenshot(page, name);
}

/** A JSON request to the API as `token` (or anonymously); fails on an error status. */
export async function api(method, urlPath, token, body) {
  const response = await fetch(`${baseUrl}${urlPath}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${urlPath} answered ${response.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

/** An access token of the demo account `username`, signed in through the API. */
export async function apiToken(username) {
  const { password } = account(username);
  const login = await api('POST', '/api/auth/login', null, { username, password });
  return login.access_token;
}
