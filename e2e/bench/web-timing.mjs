// The web rows of `cargo xtask bench` (xtask/src/bench/web_timing.rs): how soon a phone on slow 4G
// with a 4× slower CPU sees the app, each load in a fresh context (cold cache, no service
// worker) at 390×844.
//
// Environment: BASE_URL (the server), BENCH_USERNAME and BENCH_PASSWORD (a student with
// points), BENCH_RUNS (loads per figure, default 3). Prints one JSON line: per figure the
// milliseconds from navigation start of each run. Exits non-zero, with the reason on stderr,
// when a load fails or the whole run passes BENCH_TIMEOUT_MS (default 180 000).

import { launchBrowser } from '../tests/helpers.mjs';

const baseUrl = (process.env.BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const username = process.env.BENCH_USERNAME;
const password = process.env.BENCH_PASSWORD;
const runs = Number(process.env.BENCH_RUNS ?? 3);
const deadline = Number(process.env.BENCH_TIMEOUT_MS ?? 180_000);
/** One load's bound: generous, so that only a broken page (not a slow one) fails. */
const LOAD_TIMEOUT = 60_000;

// Chrome DevTools' "Slow 4G" preset; throughput in bytes per second.
const NETWORK = {
  offline: false,
  latency: 150,
  downloadThroughput: (1.6 * 1024 * 1024) / 8,
  uploadThroughput: (750 * 1024) / 8,
};
const CPU_SLOWDOWN = 4;
const PHONE = { width: 390, height: 844 };

const tid = (id) => `[data-testid="${id}"]`;

setTimeout(() => {
  console.error(`the web measurement did not finish within ${deadline} ms`);
  process.exit(2);
}, deadline).unref();

/** A throttled phone page in a fresh context; `session` goes to localStorage first. */
async function throttledPage(browser, session) {
  const context = await browser.newContext({
    viewport: PHONE,
    locale: 'zh-CN',
    isMobile: true,
    hasTouch: true,
    serviceWorkers: 'block',
  });
  if (session) {
    // The key and shape web/src/session.rs keeps: the token pair flattened beside `me`.
    await context.addInitScript((text) => localStorage.setItem('session', text), JSON.stringify(session));
  }
  const page = await context.newPage();
  page.setDefaultTimeout(LOAD_TIMEOUT);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  return { context, page };
}

/** Milliseconds from navigation start until `selector` is visible (and enabled, if a control). */
async function until(page, selector) {
  const handle = await page
    .waitForFunction(
      (selector) => {
        const el = document.querySelector(selector);
        if (!el || el.disabled || !el.checkVisibility()) return false;
        return performance.now();
      },
      selector,
      { polling: 'raf', timeout: LOAD_TIMEOUT },
    )
    .catch((error) => {
      throw new Error(`${selector} not visible at ${page.url()}: ${error.message}`);
    });
  return handle.jsonValue();
}

/** The first (contentful) paint, from navigation start. */
async function firstPaint(page) {
  const handle = await page.waitForFunction(
    () => {
      const paints = performance.getEntriesByType('paint');
      const entry =
        paints.find((p) => p.name === 'first-contentful-paint') ?? paints.find((p) => p.name === 'first-paint');
      return entry ? entry.startTime : false;
    },
    null,
    { polling: 100, timeout: LOAD_TIMEOUT },
  );
  return handle.jsonValue();
}

async function signIn() {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!response.ok) throw new Error(`POST /api/auth/login: ${response.status} ${await response.text()}`);
  const body = await response.json();
  return { access_token: body.access_token, refresh_token: body.refresh_token, me: body.user };
}

async function main() {
  if (!username || !password) throw new Error('BENCH_USERNAME and BENCH_PASSWORD are required');
  const browser = await launchBrowser();
  const result = { runs, first_paint_ms: [], sign_in_ms: [], points_ms: [] };
  try {
    for (let run = 0; run < runs; run++) {
      const { context, page } = await throttledPage(browser, null);
      await page.goto(`${baseUrl}/login`, { waitUntil: 'commit' });
      result.sign_in_ms.push(await until(page, tid('login-username')));
      result.first_paint_ms.push(await firstPaint(page));
      await context.close();
    }
    for (let run = 0; run < runs; run++) {
      // A new session each time: the app may rotate the tokens as it starts.
      const session = await signIn();
      const { context, page } = await throttledPage(browser, session);
      await page.goto(`${baseUrl}/points`, { waitUntil: 'commit' });
      result.points_ms.push(await until(page, tid('points-total')));
      await context.close();
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(error?.stack ?? String(error));
  process.exit(1);
});
