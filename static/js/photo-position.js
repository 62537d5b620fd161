// Where the photos of a record were taken: the phone's position, asked of the browser only
// once the inspector ticks the box (the browser then asks them to allow it), written into the
// form's hidden latitude, longitude and accuracy fields. Untick it, or a refusal, and they are
// emptied: the photos are sent without a position.
(function () {
  "use strict";

  function setUp(box) {
    const form = box.closest("form");
    const ask = box.querySelector(".photo-position__ask");
    const state = box.querySelector(".photo-position__state");
    if (!form || !ask) {
      return;
    }
    const fields = ["latitude", "longitude", "accuracy"].map((name) => form.elements[name]);
    if (fields.includes(undefined)) {
      return;
    }
    let asked = 0; // a late answer to an earlier tick is ignored

    function clear(message) {
      fields.forEach((field) => {
        field.value = "";
      });
      state.textContent = message || "";
    }

    function given(position, tick) {
      if (tick !== asked || !ask.checked) {
        return;
      }
      const coords = position.coords;
      const values = [
        coords.latitude.toFixed(6),
        coords.longitude.toFixed(6),
        Number.isFinite(coords.accuracy) ? coords.accuracy.toFixed(1) : "",
      ];
      fields.forEach((field, index) => {
        field.value = values[index];
      });
      state.textContent = box.dataset.given
        .replace("%(latitude)s", values[0])
        .replace("%(longitude)s", values[1])
        .replace("%(accuracy)s", String(Math.round(coords.accuracy)));
    }

    function failed(error, tick) {
      if (tick !== asked) {
        return;
      }
      ask.checked = false;
      const denied = error && error.code === 1; // GeolocationPositionError.PERMISSION_DENIED
      clear(denied ? box.dataset.refused : box.dataset.unavailable);
    }

    ask.addEventListener("change", () => {
      asked += 1;
      const tick = asked;
      if (!ask.checked) {
        clear("");
        return;
      }
      clear(box.dataset.asking);
      navigator.geolocation.getCurrentPosition(
        (position) => given(position, tick),
        (error) => failed(error, tick),
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 },
      );
    });
    box.hidden = false;
  }

  if (!("geolocation" in navigator)) {
    return;
  }
  document.querySelectorAll(".photo-position").forEach(setUp);
})();
