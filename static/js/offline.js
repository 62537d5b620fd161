/* A visit kept on the phone, for work where the signal is weak or gone.

   On the pages of an open visit of the inspector's team (templates/inspections/_offline.html):
   - online on the visit page, it keeps the visit, its checklist and record form and the assets
     they need in the cache kc-<user id>, and the unit's roster in IndexedDB;
   - offline, the checklist and the record form are saved into a queue in IndexedDB (photos as
     Blobs), each item with its own idempotency key; the person is found in the roster by name
     typed without diacritics, or by the staff e-card (typed, or its QR code photographed);
   - the roll call's taps (a mark, undo, all the rest present) go into the same queue when there
     is no network, or when a tap sent in place (htmx) fails or times out on the way; the page
     shows them at once, with the count, from the marks kept with the roster;
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
  const onRollCall = location.pathname === data.pages[3];
  const ROLL_CALL_KINDS = ["mark", "unmark", "rest"];
  // A send that hangs on a weak signal is given up and left in the queue, never lost: after
  // 20 s, and a second more for every 25 KB of photos (a slow 200 kbit/s still gets through).
  const SEND_WITHIN_MS = 20000;
  const BYTES_PER_MS = 25;
  // A phone that says it is online may not be (a weak signal): what waits is tried again.
  const RETRY_EVERY_MS = 30000;
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
      script.dataset.htmx,
      // The record form's own script, which the visit page does not load.
      script.dataset.position,
    ];
    const cache = await caches.open(CACHE_PREFIX + data.user);
    // One at a time: a phone on a weak signal, and the inspector's own next page, come first.
    for (const address of new Set([...data.pages, ...assets])) await cache.add(address);
    await keepRoster();
    // Kept until the user signs out, not evicted when the browser needs room.
    if (navigator.storage && navigator.storage.persist) await navigator.storage.persist();
  }

  // The unit's people and their marks, as the portal has them now, with the time it said so.
  async function keepRoster() {
    const answer = await fetch(data.roster, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: AbortSignal.timeout(SEND_WITHIN_MS),
    });
    if (!answer.ok || answer.redirected) return;
    const kept = await answer.json();
    await inStore("roster", "readwrite", (store) => store.put(kept.people, data.visit));
    await inStore("meta", "readwrite", (store) => store.put(kept.at, `roster-at-${data.visit}`));
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

  // atOnce: sent from the page the inspector is on, who waits for its answer (and its message).
  async function send(item, { atOnce = false } = {}) {
    const body = new FormData();
    for (const [name, value] of item.fields) body.append(name, value);
    body.append("token", item.key);
    const photoBytes = item.photos.reduce((total, photo) => total + photo.blob.size, 0);
    for (const photo of item.photos) {
      body.append("photos", new File([photo.blob], photo.name, { type: photo.type }));
    }
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        ...(atOnce ? {} : { "X-Kept-On-Phone": "1" }),
      },
      signal: AbortSignal.timeout(SEND_WITHIN_MS + photoBytes / BYTES_PER_MS),
    });
  }

  const fieldOf = (item, name) => (item.fields.find(([field]) => field === name) || [])[1];

  // In order, one at a time; a network failure stops the round, the rest waits for the next.
  async function flush() {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    let sent = 0;
    let tapsSent = false;
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
        tapsSent = tapsSent || ROLL_CALL_KINDS.includes(item.kind);
      }
    } finally {
      flushing = false;
    }
    // The portal's marks now include the taps sent (and the drafts their faults opened).
    if (tapsSent) await keepRoster().catch(() => {});
    const left = await render();
    await renderRollCall();
    if (sent && !left) note(T.sent);
  }

  async function render() {
    const items = await queued();
    queueBox.hidden = items.length === 0;
    queueBox.querySelector(".offline-queue__count").textContent = say(
      items.length === 1 ? T.waiting_one : T.waiting_other,
      { count: items.length },
    );
    // A waiting tap of the roll call shows in its person's row; listed here once refused.
    const listed = items.filter((item) => item.status === "refused" || !ROLL_CALL_KINDS.includes(item.kind));
    queueBox.querySelector(".offline-queue__items").replaceChildren(...listed.map(itemView));
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
    const staff = ROLL_CALL_KINDS.includes(item.kind) && fieldOf(item, "staff");
    if (staff) {
      // Fixed by tapping the person again: the new tap takes this one's place.
      const again = document.createElement("a");
      again.className = "button button--secondary";
      again.href = `${item.page}#staff-${staff}`;
      again.textContent = T.take_again;
      actions.append(again);
    }
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "button button--secondary";
    discard.textContent = T.discard;
    discard.addEventListener("click", async () => {
      if (!window.confirm(T.discard_confirm)) return;
      await inStore("queue", "readwrite", (store) => store.delete(item.id));
      await render();
      await renderRollCall();
    });
    actions.append(discard);
    row.append(reasons, actions);
    return row;
  }

  // The answer of the portal to a form sent from this page: true when it is done with (saved and
  // left for its page, or refused and said why); false when the form must wait in the queue.
  async function sentAtOnce(item) {
    let answer;
    try {
      answer = await send(item, { atOnce: true });
    } catch (error) {
      return false; // no network after all, or no answer in time
    }
    if (answer.ok && !answer.redirected) {
      location.assign((await answer.json()).url);
      return true;
    }
    if (answer.status === 422) {
      note(`${T.refused} ${(await answer.json()).refused.join(" ")}`, true);
      window.scrollTo(0, 0);
      return true;
    }
    return false;
  }

  function queueOnSubmit(form, kind) {
    let sending = false;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (sending) return; // a second tap while the first is on its way would make two
      sending = true;
      form.setAttribute("aria-busy", "true");
      try {
        await submitted(form, kind);
      } finally {
        sending = false;
        form.removeAttribute("aria-busy");
      }
    });
  }

  // Sent at once when the phone has a network, kept in the queue when it has none or the send
  // fails or hangs; the same key either way, so that the portal makes it once.
  async function submitted(form, kind) {
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
    // A fix goes through the queue, in the place of the refused item.
    if (kind === "record" && fixing) {
      item.id = fixing.id;
      if (!item.photos.length) item.photos = fixing.photos;
    } else if (navigator.onLine && (await sentAtOnce(item))) {
      return;
    }
    try {
      await inStore("queue", "readwrite", (store) => store.put(item));
    } catch (error) {
      note(error && error.name === "QuotaExceededError" ? T.full : String(error), true);
      window.scrollTo(0, 0);
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

  // --- The roll call ---------------------------------------------------------------------------

  function rollCallKind(form) {
    if (!(form instanceof HTMLFormElement) || !data.roll_call) return null;
    const path = new URL(form.action, location.href).pathname;
    if (path === data.roll_call.mark) return "mark";
    if (path === data.roll_call.undo) return "unmark";
    if (path === data.roll_call.rest) return "rest";
    return null;
  }

  // The marks as the phone knows them: the portal's, kept with the roster, then every tap still
  // waiting in the queue, in order, by the portal's rules (inspections/services.py roll_call_*).
  async function marks() {
    const state = new Map();
    for (const person of await roster()) {
      state.set(String(person.id), {
        attendance: person.mark || "",
        previous: person.previous || "",
        record: person.record || null,
        waiting: false,
      });
    }
    for (const item of await queued()) {
      if (item.visit === data.visit && item.status === "waiting" && ROLL_CALL_KINDS.includes(item.kind)) {
        applyTap(state, item);
      }
    }
    return state;
  }

  function applyTap(state, item) {
    if (item.kind === "rest") {
      for (const mark of state.values()) {
        if (!mark.attendance) Object.assign(mark, { attendance: "present", previous: "", waiting: true });
      }
      return;
    }
    const mark = state.get(fieldOf(item, "staff"));
    if (!mark || mark.record) return;
    if (item.kind === "mark") {
      const attendance = fieldOf(item, "attendance");
      if (mark.attendance && mark.attendance !== attendance) mark.previous = mark.attendance;
      mark.attendance = attendance;
    } else if (mark.attendance) {
      mark.attendance = mark.previous;
      mark.previous = "";
    }
    mark.waiting = true;
  }

  function attendanceLabel(row, attendance) {
    const button = row.querySelector(`button[name=attendance][value="${attendance}"]`);
    return button ? button.textContent.trim() : attendance;
  }

  function hiddenInput(name, value) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    return input;
  }

  // A row drawn as the portal draws it (inspections.views._roll_call_rows_html).
  function showMark(row, mark) {
    const staff = row.dataset.staff;
    const name = row.querySelector(".roll-call__name");
    let status = name.querySelector(".status");
    if (mark.attendance) {
      if (!status) {
        status = document.createElement("span");
        name.append(" ", status);
      }
      status.className = `status status--${mark.attendance}`;
      status.textContent = attendanceLabel(row, mark.attendance);
    } else if (status) {
      status.remove();
    }
    for (const old of row.querySelectorAll(".roll-call__waiting")) old.remove();
    if (mark.record) {
      if (!row.querySelector("a.tap-link")) {
        for (const form of row.querySelectorAll("form")) form.remove();
        const link = document.createElement("a");
        link.className = "tap-link";
        link.href = data.record_url.replace(/\/0\/$/, `/${mark.record}/`);
        link.textContent = T.open_record;
        const line = document.createElement("p");
        line.append(link);
        row.append(line);
      }
      return;
    }
    for (const button of row.querySelectorAll("button[name=attendance]")) {
      const chosen = button.value === mark.attendance;
      button.classList.toggle("tap-button--chosen", chosen);
      if (chosen) button.setAttribute("aria-pressed", "true");
      else button.removeAttribute("aria-pressed");
    }
    if (mark.waiting && data.faults.includes(mark.attendance)) {
      const waiting = document.createElement("p");
      waiting.className = "message message--warning roll-call__waiting";
      waiting.setAttribute("role", "status");
      waiting.textContent = T.draft_when_sent;
      row.querySelector("form.roll-call__buttons").before(waiting);
    }
    let undo = row.querySelector("form.roll-call__undo");
    if (!mark.attendance) {
      if (undo) undo.remove();
      return;
    }
    if (!undo) {
      undo = document.createElement("form");
      undo.className = "roll-call__undo";
      undo.method = "post";
      undo.action = data.roll_call.undo;
      const csrf = row.querySelector("input[name=csrfmiddlewaretoken]");
      if (csrf) undo.append(csrf.cloneNode());
      const button = document.createElement("button");
      button.type = "submit";
      button.className = "button button--quiet";
      button.id = `undo-${staff}`;
      undo.append(hiddenInput("staff", staff), button);
      if (window.htmx) {
        undo.setAttribute("hx-post", data.roll_call.undo);
        undo.setAttribute("hx-target", "closest li");
        undo.setAttribute("hx-swap", "outerHTML");
      }
      row.append(undo);
      if (window.htmx) window.htmx.process(undo);
    }
    undo.querySelector("button").textContent = mark.previous
      ? say(T.undo_back, { previous: attendanceLabel(row, mark.previous) })
      : T.undo;
  }

  async function renderRollCall() {
    if (!onRollCall) return;
    const state = await marks();
    if (!state.size) return; // the roster was never kept: the page shows the portal's marks
    for (const row of document.querySelectorAll("li.roll-call__person")) {
      const mark = state.get(row.dataset.staff);
      if (mark) showMark(row, mark);
    }
    const marked = [...state.values()].filter((mark) => mark.attendance).length;
    const count = document.querySelector("#roll-call-progress strong");
    if (count) count.textContent = `${marked}/${state.size}`;
    const rest = document.querySelector("form.roll-call__rest");
    if (rest) rest.hidden = marked === state.size;
  }

  // The marks a page of the portal shows, newer than the roster's: kept with the roster.
  async function keepMarksShown(rows) {
    const people = await roster();
    if (!people.length) return;
    const byId = new Map(people.map((person) => [String(person.id), person]));
    for (const row of rows) {
      const person = byId.get(row.dataset.staff);
      if (!person) continue;
      person.mark = row.dataset.attendance || "";
      person.previous = row.dataset.previous || "";
      person.record = row.dataset.record ? Number(row.dataset.record) : null;
    }
    await inStore("roster", "readwrite", (store) => store.put(people, data.visit));
  }

  async function keepFreshPage() {
    const keptAt = await inStore("meta", "readonly", (store) => store.get(`roster-at-${data.visit}`));
    // A copy kept on the phone is older than the roster fetched after it: its marks are not read.
    if (keptAt && Date.parse(keptAt) >= Date.parse(data.rendered)) return;
    await keepMarksShown(document.querySelectorAll("li.roll-call__person"));
    await inStore("meta", "readwrite", (store) => store.put(data.rendered, `roster-at-${data.visit}`));
  }

  function tapLabel(kind, fields) {
    if (kind === "rest") return T.rest;
    const staff = (fields.find(([name]) => name === "staff") || [])[1];
    const row = document.getElementById(`staff-${staff}`);
    const name = row ? row.querySelector(".roll-call__name strong").textContent : staff;
    if (kind === "unmark") return say(T.unmark, { name: name });
    const attendance = (fields.find(([field]) => field === "attendance") || [])[1];
    return say(T.mark, { name: name, attendance: row ? attendanceLabel(row, attendance) : attendance });
  }

  // A refused tap of a person is replaced by their next one.
  async function dropRefusedOf(staff) {
    for (const item of await queued()) {
      const tap = ROLL_CALL_KINDS.includes(item.kind) && item.visit === data.visit;
      if (tap && item.status === "refused" && fieldOf(item, "staff") === staff) {
        await inStore("queue", "readwrite", (store) => store.delete(item.id));
      }
    }
  }

  async function queueTap(kind, fields, key) {
    const item = {
      user: data.user,
      visit: data.visit,
      kind: kind,
      url: data.roll_call[kind === "unmark" ? "undo" : kind],
      page: data.pages[3],
      key: key,
      fields: fields,
      photos: [],
      label: tapLabel(kind, fields),
      status: "waiting",
      reasons: [],
      created: new Date().toISOString(),
    };
    try {
      await inStore("queue", "readwrite", (store) => store.put(item));
    } catch (error) {
      note(error && error.name === "QuotaExceededError" ? T.full : String(error), true);
      return;
    }
    const staff = fieldOf(item, "staff");
    if (staff) await dropRefusedOf(staff);
    await render();
    await renderRollCall();
    flush();
  }

  // A mark carries the time it was taken: a fault's draft is of that time, not of its arrival.
  function tapFields(form, submitter, tappedAt) {
    const fields = fieldsOf(form);
    if (submitter && submitter.name) fields.push([submitter.name, submitter.value]);
    if (rollCallKind(form) === "mark") fields.push(["tapped_at", tappedAt]);
    return fields;
  }

  function rollCall() {
    // Without a network the tap never reaches htmx: caught on its way down, queued.
    document.addEventListener(
      "submit",
      (event) => {
        const kind = rollCallKind(event.target);
        if (!kind || navigator.onLine) return;
        event.preventDefault();
        event.stopPropagation();
        queueTap(kind, tapFields(event.target, event.submitter, new Date().toISOString()), newKey());
      },
      true,
    );
    // Online, each tap carries its key: a tap whose answer is lost is queued with the same key,
    // and the portal applies it once.
    document.body.addEventListener("htmx:configRequest", (event) => {
      if (!rollCallKind(event.detail.elt)) return;
      event.detail.parameters.token = newKey();
      event.detail.elt.dataset.tappedAt = new Date().toISOString();
      if (!event.detail.timeout) event.detail.timeout = SEND_WITHIN_MS;
    });
    const lost = (event) => {
      const kind = rollCallKind(event.detail.elt);
      if (!kind) return;
      const sent = [...event.detail.requestConfig.formData];
      const key = (sent.find(([name]) => name === "token") || [])[1] || newKey();
      const fields = sent.filter(([name]) => name !== "csrfmiddlewaretoken" && name !== "token");
      if (kind === "mark") fields.push(["tapped_at", event.detail.elt.dataset.tappedAt]);
      queueTap(kind, fields, key);
    };
    document.body.addEventListener("htmx:sendError", lost);
    document.body.addEventListener("htmx:timeout", lost);
    document.body.addEventListener("htmx:afterSettle", async (event) => {
      const rows = document.querySelectorAll("li.roll-call__person");
      await keepMarksShown(rows);
      const row = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("li.roll-call__person");
      if (row && !row.querySelector(".message--error")) await dropRefusedOf(row.dataset.staff);
      await render();
      await renderRollCall();
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
    if (onRollCall) rollCall();
    if (checklistForm) queueOnSubmit(checklistForm, "checklist");
    if (recordForm) {
      queueOnSubmit(recordForm, "record");
      const finder = document.querySelector("form.staff-finder");
      if (finder) offlineSearch(finder);
      cardFinder();
    }
    await claim();
    if (onRollCall) await keepFreshPage().catch(() => {});
    await render();
    await renderRollCall();
    if (recordForm && location.hash.startsWith("#fix-")) {
      await startFix(Number(location.hash.slice("#fix-".length)));
    }
    window.addEventListener("online", flush);
    window.setInterval(flush, RETRY_EVERY_MS);
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
