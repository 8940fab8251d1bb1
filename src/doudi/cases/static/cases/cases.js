// Case pages: select-all and the count of selected rows (bulk actions); the temporary-assistance
// block of the application form shown only for temporary requests. Pages work without it.
(function () {
  "use strict";
  var all = document.getElementById("check-all");
  var count = document.getElementById("bulk-count");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.bulk-check"));
  function recount() {
    if (count) count.textContent = String(boxes.filter(function (b) { return b.checked; }).length);
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes.forEach(function (b) { b.checked = all.checked; });
      recount();
    });
  }
  boxes.forEach(function (b) { b.addEventListener("change", recount); });
  recount();

  var kinds = document.querySelectorAll("input[name=kind]");
  var temporary = document.getElementById("temporary-block");
  var programmes = document.getElementById("programmes-block");
  function toggle() {
    var checked = document.querySelector("input[name=kind]:checked");
    var isTemporary = checked && checked.value === "temporary";
    if (temporary) temporary.hidden = !isTemporary;
    if (programmes) programmes.hidden = isTemporary;
  }
  if (kinds.length && temporary) {
    Array.prototype.forEach.call(kinds, function (k) { k.addEventListener("change", toggle); });
    toggle();
  }
})();
