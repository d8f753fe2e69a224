// Offline worker for the driver's sheets (scope /driver/): pages and their JSON are fetched from
// the network when there is one and from the cache otherwise; static files come from the cache.
// Stop actions are never cached or replayed here: the page's outbox sends them with idempotency keys.
"use strict";
var CACHE = "fitmi-driver-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "precache") return;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(data.urls.map(function (url) {
      return cache.add(new Request(url, { credentials: "same-origin" })).catch(function () {});
    }));
  }).then(function () {
    if (event.source) event.source.postMessage({ type: "precached" });
  }));
});

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(request, { ignoreVary: true }).then(function (hit) { return hit || Response.error(); });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/driver/") === 0) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/bootstrap/static/") === 0) {
    event.respondWith(cacheFirst(request));
  }
});
