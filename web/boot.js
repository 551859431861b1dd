// Starts the app. A file of its own, not an inline script: the Content-Security-Policy the
// server sends allows scripts from this origin only (see api/src/web_app.rs).
import init from '/pkg/web.js';
init({ module_or_path: '/pkg/web_bg.wasm' });
