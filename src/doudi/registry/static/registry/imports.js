/* Batch import page: poll the progress endpoint while a batch is being validated or imported,
   move the progress bar, and reload the page once the batch has settled. No framework. */
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || box.dataset.running !== "1") return;
  var url = box.dataset.progressUrl;
  var bar = box.querySelector(".progress");
  var fill = bar ? bar.querySelector("span") : null;
  var phase = document.getElementById("batch-phase");
  var status = document.getElementById("batch-status");
  var delay = 700;

  function set(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = value;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (bar) {
          bar.hidden = false;
          bar.setAttribute("aria-valuenow", data.progress);
          fill.style.width = data.progress + "%";
        }
        if (phase) phase.textContent = data.phase;
        if (status) status.textContent = data.status_label;
        set("total-rows", data.total_rows);
        set("valid-rows", data.valid_rows);
        set("invalid-rows", data.invalid_rows);
        if (data.running) {
          delay = Math.min(delay * 1.3, 4000);
          window.setTimeout(poll, delay);
        } else {
          window.location.reload();
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }
  window.setTimeout(poll, delay);
})();
