// Starts the app. A file of its own, not an inline script: the Content-Security-Policy the
// server sends allows scripts from this origin only (see api/src/web_app.rs).
import init from '/pkg/web.js';
init({ module_or_path: '/pkg/web_bg.wasm' });

// The service worker keeps the app shell for offline use (web/sw.js): registered once the page
// has loaded, so its downloads do not compete with the first paint. Browsers allow it on HTTPS
// and on localhost only; elsewhere the app simply needs the network to open.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((error) => {
      console.warn('offline use unavailable:', error);
    });
  });
}
