// The service worker: after one visit the page loads and works with the network off. It caches
// every file the page ships (listed with their content hashes by build.sh in pkg/precache.js) in
// a cache named after those hashes, answers from it, and when a new version is deployed
// installs it beside the old one and waits: the page offers "reload" and then it takes over.
importScripts('./pkg/precache.js');

const { version, files } = self.PRECACHE;
const CACHE = `scalecalc-${version}`;
const scope = self.registration.scope;
const at = (path) => new URL(path, scope).href;

self.addEventListener('install', (event) => {
  // `reload`: the files themselves, not an HTTP cache's older copies.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(files.map((f) => new Request(at(f), { cache: 'reload' })))));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) if (key.startsWith('scalecalc-') && key !== CACHE) await caches.delete(key);
    await self.clients.claim();
  })());
});

// The page's "reload" on the new-version notice.
self.addEventListener('message', (event) => {
  if (event.data === 'take-over') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(scope)) return;
  // Every page address (any fragment or query) is the one page.
  const url = new URL(request.url);
  url.hash = '';
  url.search = '';
  const key = request.mode === 'navigate' ? at('./') : url.href;
  event.respondWith(caches.open(CACHE).then((cache) => cache.match(key)).then((hit) => hit ?? fetch(request)));
});
