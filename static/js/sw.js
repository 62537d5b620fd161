/* Kỷ Cương's service worker, served at /sw.js so that its scope is the whole site.

   It only ever answers from the caches that offline.js fills while an inspector is online on a
   visit of their team (named kc-<user id>); it never stores an answer itself. Every GET goes
   to the network first; only when the network fails does a kept copy answer. Signing out
   clears the caches (the Clear-Site-Data header, and offline.js). */
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {
    return;
  }
  event.respondWith(
    fetch(request).catch(async () => {
      // Django's pages vary on the cookie and the language; the kept copy is this user's own.
      const kept = await caches.match(request, { ignoreVary: true });
      return kept || Response.error();
    }),
  );
});
