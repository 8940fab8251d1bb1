// "再添加一名成员": clone the formset's empty form, numbering it like Django does (__prefix__ → n).
(function () {
  "use strict";
  var button = document.getElementById("add-member");
  var template = document.getElementById("member-template");
  var total = document.querySelector("input[name$='-TOTAL_FORMS']");
  var list = document.getElementById("members");
  if (!button || !template || !total || !list) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var n = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(n));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(n + 1);
    var first = list.lastElementChild.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  });
})();
