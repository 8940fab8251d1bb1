// 上门受理 service worker: keeps the intake page and its files so the page reloads without a connection.
// What was typed is not here: the page keeps it in the phone's storage (intake.js).
const CACHE = "doudi-intake-v1";
const PAGE = "{{ page|escapejs }}";
const FILES = {{ files|safe }};

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll([PAGE, ...FILES])).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // submissions and estimates always go to the server
  const url = new URL(request.url);
  const isPage = request.mode === "navigate" && url.pathname === PAGE;
  if (!isPage && !FILES.includes(url.pathname)) return;
  // Network first (a fresh page and form token when online), the kept copy when offline.
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(isPage ? PAGE : request, copy));
        }
        return response;
      })
      .catch(() => caches.match(isPage ? PAGE : request))
  );
});
