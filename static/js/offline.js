/* A visit kept on the phone, for work where the signal is weak or gone.

   On the pages of an open visit of the inspector's team (templates/inspections/_offline.html):
   - online on the visit page, it keeps the visit, its checklist and record form and the assets
     they need in the cache kc-<user id>, and the unit's roster in IndexedDB;
   - offline, the checklist and the record form are saved into a queue in IndexedDB (photos as
     Blobs), each item with its own idempotency key; the person is found in the roster by name
     typed without diacritics, or by the staff e-card (typed, or its QR code photographed);
   - when the network returns, and on every load, the queue is sent in order; a refused item
     stays with the portal's reasons, to be fixed or discarded;
   - the store belongs to one user: another user's is cleared, and signing out clears it.
   Every text comes from the page (#offline-data), in the page's language. */
(function () {
  "use strict";

  const script = document.currentScript;
  const data = JSON.parse(document.getElementById("offline-data").textContent);
  const T = data.texts;
  const CACHE_PREFIX = "kc-";
  const CARD_TYPES = ["CB", "CC", "VC", "XA", "XA0", "HĐ"];
  const CARD_NUMBER = /^(\S+)\.(\d+)\.([^.]+)$/;
  const recordForm = document.getElementById("record-form");
  const checklistForm = document.getElementById("checklist-form");
  const queueBox = document.getElementById("offline-queue");
  const noteBox = document.getElementById("offline-note");
  let fixing = null; // the queued record being fixed: {id, photos}
  let flushing = false;

  // As core/text.py's fold(): lower case, without diacritics (đ is d), single spaces.
  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .replace(/[đĐ]/g, "d")
      .toLowerCase()
      .split(/\s+/)
      .filter(Boolean)
      .join(" ");
  }
  window.kcFold = fold; // the browser tests compare it with core.text.fold

  function say(template, params) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(params[name]));
  }

  function note(text, isError) {
    noteBox.textContent = text;
    noteBox.className = "message " + (isError ? "message--error" : "message--success");
    noteBox.setAttribute("role", isError ? "alert" : "status");
    noteBox.hidden = false;
  }

  // --- IndexedDB: meta (the owner), roster (per visit), queue ----------------------------------

  function openStore() {
    return new Promise((resolve, reject) => {
      const opening = indexedDB.open("kycuong", 1);
      opening.onupgradeneeded = () => {
        const db = opening.result;
        db.createObjectStore("meta");
        db.createObjectStore("roster");
        db.createObjectStore("queue", { keyPath: "id", autoIncrement: true });
      };
      opening.onsuccess = () => resolve(opening.result);
      opening.onerror = () => reject(opening.error);
    });
  }

  async function inStore(name, mode, act) {
    const db = await openStore();
    return new Promise((resolve, reject) => {
      const transaction = db.transaction(name, mode);
      const request = act(transaction.objectStore(name));
      transaction.oncomplete = () => {
        db.close();
        resolve(request ? request.result : undefined);
      };
      // A full store aborts the transaction with QuotaExceededError.
      transaction.onabort = transaction.onerror = () => {
        db.close();
        reject(transaction.error);
      };
    });
  }

  const queued = async () =>
    (await inStore("queue", "readonly", (store) => store.getAll())).filter(
      (item) => item.user === data.user,
    );
  const roster = async (visit) =>
    (await inStore("roster", "readonly", (store) => store.get(visit || data.visit))) || [];

  async function clearAll() {
    if ("caches" in window) {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX)) await caches.delete(name);
      }
    }
    for (const name of ["meta", "roster", "queue"]) {
      await inStore(name, "readwrite", (store) => store.clear());
    }
  }

  // The phone's store is one user's: what another user kept is deleted, never shown.
  async function claim() {
    const owner = await inStore("meta", "readonly", (store) => store.get("owner"));
    if (owner !== undefined && owner !== data.user) await clearAll();
    await inStore("meta", "readwrite", (store) => store.put(data.user, "owner"));
  }

  // --- Keeping the visit -----------------------------------------------------------------------

  async function keep() {
    if (!navigator.onLine || !("caches" in window) || location.pathname !== data.pages[0]) return;
    const assets = [
      ...[...document.querySelectorAll("link[rel=stylesheet], link[rel=icon]")].map((l) => l.href),
      ...[...document.querySelectorAll("script[src]")].map((s) => s.src),
      ...[...document.querySelectorAll("img[src]")].map((i) => i.src),
      script.dataset.decoder,
    ];
    const cache = await caches.open(CACHE_PREFIX + data.user);
    // One at a time: a phone on a weak signal, and the inspector's own next page, come first.
    for (const address of new Set([...data.pages, ...assets])) await cache.add(address);
    const answer = await fetch(data.roster, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (answer.ok && !answer.redirected) {
      const people = (await answer.json()).people;
      await inStore("roster", "readwrite", (store) => store.put(people, data.visit));
    }
    // Kept until the user signs out, not evicted when the browser needs room.
    if (navigator.storage && navigator.storage.persist) await navigator.storage.persist();
  }

  // --- The queue -------------------------------------------------------------------------------

  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(32));
    return btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
  }

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((part) => part.startsWith("csrftoken="));
    if (cookie) return cookie.slice("csrftoken=".length);
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function photosOf(form) {
    const photos = [];
    for (const input of form.querySelectorAll("input[type=file][name]")) {
      for (const file of input.files) {
        photos.push({ name: file.name, type: file.type, blob: new Blob([await file.arrayBuffer()], { type: file.type }) });
      }
    }
    return photos;
  }

  function fieldsOf(form) {
    const fields = [];
    for (const [name, value] of new FormData(form)) {
      if (name === "csrfmiddlewaretoken" || name === "token" || value instanceof File) continue;
      fields.push([name, value]);
    }
    return fields;
  }

  function recordLabel(form) {
    const staff = form.elements.staff;
    const name = staff && staff.selectedIndex > 0 ? staff.options[staff.selectedIndex].text : "—";
    const when = form.elements.occurred_at ? form.elements.occurred_at.value : "";
    const [day, time] = when.split("T");
    const shown = day ? `${time}, ${day.split("-").reverse().join("/")}` : "";
    return say(T.record, { name: name, time: shown });
  }

  async function send(item) {
    const body = new FormData();
    for (const [name, value] of item.fields) body.append(name, value);
    body.append("token", item.key);
    for (const photo of item.photos) {
      body.append("photos", new File([photo.blob], photo.name, { type: photo.type }));
    }
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
    });
  }

  // In order, one at a time; a network failure stops the round, the rest waits for the next.
  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    let sent = 0;
    try {
      for (const item of await queued()) {
        if (item.status !== "waiting") continue;
        let answer;
        try {
          answer = await send(item);
        } catch (error) {
          break;
        }
        if ((answer.redirected && new URL(answer.url).pathname === data.login) || answer.status === 403) {
          note(T.sign_in, true);
          break;
        }
        if (answer.status === 422) {
          item.status = "refused";
          item.reasons = (await answer.json()).refused;
          await inStore("queue", "readwrite", (store) => store.put(item));
          continue;
        }
        if (!answer.ok) break;
        await inStore("queue", "readwrite", (store) => store.delete(item.id));
        sent += 1;
      }
    } finally {
      flushing = false;
    }
    const left = await render();
    if (sent && !left) note(T.sent);
  }

  async function render() {
    const items = await queued();
    queueBox.hidden = items.length === 0;
    queueBox.querySelector(".offline-queue__count").textContent = say(
      items.length === 1 ? T.waiting_one : T.waiting_other,
      { count: items.length },
    );
    queueBox.querySelector(".offline-queue__items").replaceChildren(...items.map(itemView));
    return items.length;
  }

  function itemView(item) {
    const row = document.createElement("li");
    row.dataset.item = item.id;
    const label = document.createElement("span");
    label.textContent = item.label;
    row.append(label);
    if (item.status !== "refused") return row;
    const reasons = document.createElement("p");
    reasons.className = "offline-queue__reason";
    reasons.textContent = `${T.refused} ${item.reasons.join(" ")}`;
    const actions = document.createElement("div");
    actions.className = "offline-queue__actions";
    if (item.kind === "record") {
      const fix = document.createElement("a");
      fix.className = "button button--secondary";
      fix.href = `${item.page}#fix-${item.id}`;
      fix.textContent = T.fix;
      actions.append(fix);
    }
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button button--secondary";
    discard.textContent = T.discard;
    discard.addEventListener("click", async () => {
      if (!window.confirm(T.discard_confirm)) return;
      await inStore("queue", "readwrite", (store) => store.delete(item.id));
      render();
    });
    actions.append(discard);
    row.append(reasons, actions);
    return row;
  }

  function queueOnSubmit(form, kind) {
    form.addEventListener("submit", async (event) => {
      // Online, the browser sends the form as always; a fix goes through the queue.
      if (navigator.onLine && !(kind === "record" && fixing)) return;
      event.preventDefault();
      const item = {
        user: data.user,
        visit: data.visit,
        kind: kind,
        url: new URL(form.action, location.href).pathname,
        page: data.pages[2],
        key: newKey(),
        fields: fieldsOf(form),
        photos: await photosOf(form),
        label: kind === "record" ? recordLabel(form) : T.checklist,
        status: "waiting",
        reasons: [],
        created: new Date().toISOString(),
      };
      if (kind === "record" && fixing) {
        item.id = fixing.id;
        if (!item.photos.length) item.photos = fixing.photos;
      }
      try {
        await inStore("queue", "readwrite", (store) => store.put(item));
      } catch (error) {
        note(error && error.name === "QuotaExceededError" ? T.full : String(error), true);
        return;
      }
      if (kind === "record") {
        fixing = null;
        form.reset();
        setNow(form);
        if (location.hash.startsWith("#fix-")) history.replaceState(null, "", location.pathname);
      }
      note(T.saved);
      window.scrollTo(0, 0);
      await render();
      flush();
    });
  }

  function setNow(form) {
    const field = form.elements.occurred_at;
    if (!field) return;
    const now = new Date();
    const pad = (n) => String(n).padStart(2, "0");
    field.value = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T${pad(now.getHours())}:${pad(now.getMinutes())}`;
  }

  // --- Fixing a refused record -----------------------------------------------------------------

  async function startFix(id) {
    const item = await inStore("queue", "readonly", (store) => store.get(id));
    if (!item || item.kind !== "record" || item.user !== data.user) return;
    fixing = { id: item.id, photos: item.photos };
    const people = await roster(item.visit);
    for (const [name, value] of item.fields) {
      const field = recordForm.elements[name];
      if (!field) continue;
      if (name === "staff") offerPerson(people.find((person) => String(person.id) === value));
      field.value = value;
    }
    let text = `${T.fixing} ${item.reasons.join(" ")}`;
    if (item.photos.length) text += " " + say(T.photos_kept, { count: item.photos.length });
    note(text, true);
    if (item.photos.length) {
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "button button--secondary";
      drop.textContent = T.drop_photos;
      drop.addEventListener("click", () => {
        fixing.photos = [];
        drop.remove();
        note(T.fixing, true);
      });
      noteBox.append(" ", drop);
    }
  }

  // --- Finding the person without a network ----------------------------------------------------

  function offerPerson(person) {
    const select = recordForm.elements.staff;
    if (!person || !select) return;
    const value = String(person.id);
    if (![...select.options].some((option) => option.value === value)) {
      select.add(new Option(`${person.name} (${person.code})`, value), 1);
    }
  }

  function finderResult(finder) {
    let result = finder.querySelector(".staff-finder__result");
    if (!result) {
      result = document.createElement("p");
      result.className = "staff-finder__result";
      result.setAttribute("role", "status");
      finder.append(result);
    }
    return result;
  }

  function offlineSearch(finder) {
    finder.addEventListener("submit", async (event) => {
      if (navigator.onLine) return;
      event.preventDefault();
      const query = finder.elements.q.value.trim();
      const words = fold(query).split(" ").filter(Boolean);
      const found = (await roster()).filter((person) =>
        words.every((word) => person.search.includes(word)),
      );
      const select = recordForm.elements.staff;
      const empty = select.options[0];
      select.replaceChildren(empty, ...found.slice(0, 200).map((p) => new Option(`${p.name} (${p.code})`, String(p.id))));
      if (found.length === 1) select.value = String(found[0].id);
      finderResult(finder).textContent = say(found.length === 1 ? T.matches_one : T.matches_other, {
        count: found.length,
        query: query,
      });
    });
  }

  // --- The staff e-card: typed, or its QR code photographed ------------------------------------

  function cardSays(text) {
    document.getElementById("card-result").textContent = text;
  }

  function choose(person) {
    offerPerson(person);
    recordForm.elements.staff.value = String(person.id);
    cardSays(say(T.card_found, { name: person.name, code: person.code }));
  }

  async function findCard(typed) {
    const number = typed.replace(/\s+/g, "");
    if (navigator.onLine) {
      try {
        const answer = await fetch(`${data.card}?number=${encodeURIComponent(number)}`, {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (answer.ok && !answer.redirected) {
          const said = await answer.json();
          if (said.person) choose(said.person);
          else cardSays(said.refused);
          return;
        }
      } catch (error) {
        // No network after all: the roster answers.
      }
    }
    const parts = number.match(CARD_NUMBER);
    if (!parts || !CARD_TYPES.includes(parts[3].toUpperCase())) {
      cardSays(T.card_malformed);
      return;
    }
    const person = (await roster()).find((p) => p.card.toUpperCase() === number.toUpperCase());
    if (person) choose(person);
    else cardSays(T.card_not_here);
  }

  function loadDecoder() {
    if (window.jsQR) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = script.dataset.decoder;
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.append(tag);
    });
  }

  // BarcodeDetector where the browser has it; jsQR (from npm, served by the portal) otherwise.
  async function readQr(file) {
    const bitmap = await createImageBitmap(file);
    if ("BarcodeDetector" in window) {
      try {
        const codes = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap);
        if (codes.length) return codes[0].rawValue;
      } catch (error) {
        // Not for QR codes on this phone: jsQR reads it.
      }
    }
    await loadDecoder();
    const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
    const width = Math.round(bitmap.width * scale);
    const height = Math.round(bitmap.height * scale);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    context.drawImage(bitmap, 0, 0, width, height);
    const code = window.jsQR(context.getImageData(0, 0, width, height).data, width, height);
    return code ? code.data : null;
  }

  function cardFinder() {
    const box = document.getElementById("card-finder");
    if (!box || !recordForm) return;
    box.hidden = false;
    const typed = document.getElementById("id_card");
    document.getElementById("card-find").addEventListener("click", () => findCard(typed.value));
    typed.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        findCard(typed.value);
      }
    });
    const photo = document.getElementById("card-photo");
    photo.addEventListener("change", async () => {
      if (!photo.files.length) return;
      const text = await readQr(photo.files[0]).catch(() => null);
      photo.value = "";
      if (text === null) {
        cardSays(T.no_qr);
        return;
      }
      typed.value = text;
      findCard(text);
    });
  }

  // --- Signing out clears the phone's store ----------------------------------------------------

  function guardSignOut() {
    for (const form of document.querySelectorAll(`form[action="${data.logout}"]`)) {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if ((await queued()).length && !window.confirm(T.sign_out)) return;
        await clearAll();
        form.submit();
      });
    }
  }

  async function start() {
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(script.dataset.serviceWorker).catch(() => {});
    }
    guardSignOut();
    if (checklistForm) queueOnSubmit(checklistForm, "checklist");
    if (recordForm) {
      queueOnSubmit(recordForm, "record");
      const finder = document.querySelector("form.staff-finder");
      if (finder) offlineSearch(finder);
      cardFinder();
    }
    await claim();
    await render();
    if (recordForm && location.hash.startsWith("#fix-")) {
      await startFix(Number(location.hash.slice("#fix-".length)));
    }
    window.addEventListener("online", flush);
    window.addEventListener("hashchange", () => {
      if (location.hash.startsWith("#fix-")) startFix(Number(location.hash.slice("#fix-".length)));
    });
    await flush();
    await keep().catch(() => {});
    // Read by the browser tests (and useful in the developer tools): the visit is kept.
    document.documentElement.dataset.offline = "ready";
  }

  start();
})();
