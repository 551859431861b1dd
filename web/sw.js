// The service worker: keeps the app shell (the page, its script, style sheet and every WASM
// module and chunk) so that the app opens without a network — a student shows their personal
// check-in code, an organiser scans in a hall with no signal.
//
// `cargo xtask build-web` writes the build's file list and a version (a hash of those files)
// in place of the three markers below, so each build installs a new cache and drops the old one.
//
// API calls are not touched: they go to the network as if there were no worker, and nothing the
// API answers is ever cached here (the scanner keeps its roster and queue in IndexedDB, the
// student's key lives in localStorage).

const VERSION = "__SW_VERSION__";
/** Fetched when the worker installs: what must open with no network (the page, the main
 * module, the student's code, the organiser's scanner and its chunks). */
const SHELL = ["__SW_SHELL__"];
/** The build's other files (the consoles' chunks): kept once a page has used them, not fetched
 * ahead, so a student's phone does not download what it never opens. */
const LAZY = ["__SW_LAZY__"];
const CACHE = `shell-${VERSION}`;
/** Where a navigation lands when offline: the app shell, which routes on the client. */
const INDEX = '/';

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `no-cache`: a copy from the HTTP cache might be the previous build's.
      await cache.addAll(SHELL.map((url) => new Request(url, { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('shell-') && name !== CACHE) {
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  // The API, its documentation and health: the network's, untouched.
  if (
    url.pathname.startsWith('/api/') ||
    url.pathname.startsWith('/docs') ||
    url.pathname === '/healthz' ||
    url.pathname === '/sw.js'
  ) {
    return;
  }
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
    return;
  }
  if (SHELL.includes(url.pathname) || LAZY.includes(url.pathname)) {
    event.respondWith(shellFile(request, url.pathname));
  }
});

/** A page: the network's (a new build is seen at once), else the kept shell. */
async function navigate(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cache = await caches.open(CACHE);
    const shell = await cache.match(INDEX);
    if (shell) {
      return shell;
    }
    throw error;
  }
}

/** A file of this build: the kept copy, else the network's (kept for next time). */
async function shellFile(request, path) {
  const cache = await caches.open(CACHE);
  const kept = await cache.match(path);
  if (kept) {
    return kept;
  }
  const response = await fetch(request);
  if (response.ok) {
    await cache.put(path, response.clone());
  }
  return response;
}
