// Poll a background simulation's progress and reload the page when it has finished (or failed).
(function () {
  "use strict";
  var box = document.getElementById("simulation-progress");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = box.querySelector(".progress");
  var fill = bar ? bar.querySelector("span") : null;
  var phase = document.getElementById("simulation-phase");
  var error = document.getElementById("simulation-error");

  function show(data) {
    if (data.status === "done" || data.status === "failed") {
      window.location.reload();
      return false;
    }
    if (fill) fill.style.width = data.percent + "%";
    if (bar) bar.setAttribute("aria-valuenow", String(data.percent));
    if (phase) {
      phase.textContent = data.status === "queued"
        ? "已排队，等待后台测算……"
        : "正在测算：已完成 " + data.done + " / " + data.total + " 户（" + data.percent + "%）";
    }
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      })
      .then(function (data) {
        if (show(data)) window.setTimeout(poll, 1000);
      })
      .catch(function () {
        if (error) {
          error.hidden = false;
          error.textContent = "暂时无法取得测算进度，稍后自动重试。";
        }
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 500);
})();
