// The inbox's "select all" box ticks every alert shown on the page.
(function () {
  var all = document.getElementById("check-all");
  if (!all) return;
  all.addEventListener("change", function () {
    document.querySelectorAll('input[name="alert"]').forEach(function (box) { box.checked = all.checked; });
  });
})();
