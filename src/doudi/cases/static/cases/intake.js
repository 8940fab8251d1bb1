// 上门受理: the one-flow intake page on a phone.
// What was typed is kept on the phone (localStorage for the text, IndexedDB for the photos), so a
// reload or a dropped connection loses nothing; a submission made offline is sent when the
// connection returns. Every submission carries the key made when the form was begun: the server
// stores it with a unique constraint, so a retried submission returns the first household and case.
(function () {
  "use strict";
  const form = document.getElementById("intake");
  if (!form) return;
  // One draft per user: a phone shared by two workers never offers one the other's family.
  const DRAFT = "doudi-intake-draft:" + form.dataset.user;
  const LAST = 4;
  const today = form.dataset.today;
  const areaTypes = JSON.parse(document.getElementById("village-area-types").textContent || "{}");
  const membersBox = document.getElementById("members");
  const submitBtn = document.getElementById("submit-btn");
  const estimateBox = document.getElementById("estimate");
  const estimateMini = document.getElementById("estimate-mini");
  const netStatus = document.getElementById("net-status");
  const doneBox = document.getElementById("done");
  const problemsBox = document.getElementById("problems");
  let uid = 0;
  let draft = load() || fresh();
  let sending = false;

  // --- keys and storage ---------------------------------------------------------------------------
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function fresh() {
    return { key: newKey(), at: 0, pending: false, photos: [], members: [] };
  }
  function load() {
    try {
      const d = JSON.parse(localStorage.getItem(DRAFT));
      return d && d.key ? d : null;
    } catch (e) {
      return null;
    }
  }
  function persist() {
    try {
      localStorage.setItem(DRAFT, JSON.stringify(draft));
      savedNote("已保存在本机");
    } catch (e) {
      savedNote("本机存储已满，未能保存");
    }
  }
  function save() {
    Object.assign(draft, collect());
    persist();
  }
  function savedNote(text) {
    document.getElementById("saved-note").textContent = text;
  }

  const DB = "doudi-intake:" + form.dataset.user;
  const STORE = "photos";
  function openDb() {
    return new Promise((resolve, reject) => {
      const r = indexedDB.open(DB, 1);
      r.onupgradeneeded = () => r.result.createObjectStore(STORE, { keyPath: "id" });
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  }
  async function store(mode, fn) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req ? req.result : undefined);
      t.onerror = () => reject(t.error);
    });
  }
  const putPhoto = (rec) => store("readwrite", (s) => s.put(rec));
  const getPhoto = (id) => store("readonly", (s) => s.get(id));
  const deletePhoto = (id) => store("readwrite", (s) => s.delete(id));
  const clearPhotos = () => store("readwrite", (s) => s.clear());

  // --- reading and writing the fields -------------------------------------------------------------
  function fieldName(el) {
    const i = el.name.indexOf("-");
    return i < 0 ? el.name : el.name.slice(i + 1);
  }
  function inputs(root) {
    return root.querySelectorAll("input[name], select[name], textarea[name]");
  }
  function readFields(root) {
    const out = {};
    const follow = [];
    inputs(root).forEach((el) => {
      const k = fieldName(el);
      out[k] = el.type === "checkbox" ? el.checked : el.value;
      if (el.dataset.follow === "1") follow.push(k);
    });
    if (follow.length) out._follow = follow;
    return out;
  }
  function writeFields(root, values) {
    inputs(root).forEach((el) => {
      const k = fieldName(el);
      if (!(k in values)) return;
      if (el.type === "checkbox") el.checked = !!values[k];
      else el.value = values[k] == null ? "" : values[k];
    });
    (values._follow || []).forEach((k) => {
      const el = root.querySelector('[name$="-' + k + '"]');
      if (el) el.dataset.follow = "1";
    });
  }
  function field(member, name) {
    return member.querySelector('.person-part [name$="-' + name + '"]');
  }
  function collect() {
    const members = Array.from(membersBox.children).map((m) => {
      const person = readFields(m.querySelector(".person-part"));
      person.evidence = Array.from(m.querySelectorAll("fieldset.evidence")).map((f) =>
        Object.assign({ kind: f.dataset.kind }, readFields(f))
      );
      return person;
    });
    return {
      region: form.elements.region.value,
      address: form.elements.address.value,
      members: members,
      programmes: Array.from(form.querySelectorAll("input[name=programmes]:checked")).map((el) => el.value),
      channel: form.elements.channel.value,
      authorised: form.elements.authorised.checked,
      accept: form.elements.accept.checked,
      note: form.elements.note.value,
    };
  }
  function payload() {
    const data = collect();
    data.key = draft.key;
    data.members.forEach((m) => delete m._follow);
    return data;
  }

  // --- members and their evidence -----------------------------------------------------------------
  function instantiate(templateId, prefix) {
    const node = document.getElementById(templateId).content.firstElementChild.cloneNode(true);
    node.querySelectorAll("[id], [for], [name]").forEach((el) => {
      ["id", "for", "name"].forEach((attr) => {
        const v = el.getAttribute(attr);
        if (v && v.indexOf("__P__") >= 0) el.setAttribute(attr, v.split("__P__").join(prefix));
      });
    });
    return node;
  }
  function addMember(values) {
    const index = membersBox.children.length;
    const node = instantiate(index === 0 ? "member-tpl-head" : "member-tpl", "m" + ++uid);
    membersBox.appendChild(node);
    const part = node.querySelector(".person-part");
    if (values) {
      writeFields(part, values);
      (values.evidence || []).forEach((ev) => addEvidence(node, ev.kind, ev));
    } else {
      // A new member follows the head's 户籍性质 and 居住地址 (the head follows the village and the
      // household's address) until the worker changes them.
      field(node, "residence_address").dataset.follow = "1";
      field(node, "hukou_type").dataset.follow = "1";
      propagate();
    }
    renumber();
    return node;
  }
  function follow(el, value) {
    if (el && el.dataset.follow === "1") el.value = value || "";
  }
  function propagate() {
    const head = membersBox.children[0];
    if (!head) return;
    follow(field(head, "residence_address"), form.elements.address.value);
    follow(field(head, "hukou_type"), areaTypes[form.elements.region.value] || "");
    const address = field(head, "residence_address").value;
    const hukou = field(head, "hukou_type").value;
    Array.from(membersBox.children)
      .slice(1)
      .forEach((m) => {
        follow(field(m, "residence_address"), address);
        follow(field(m, "hukou_type"), hukou);
      });
  }
  function renumber() {
    Array.from(membersBox.children).forEach((m, i) => {
      m.querySelector(".m-no").textContent = i === 0 ? "户主" : "成员 " + (i + 1);
      m.querySelector(".m-name").textContent = field(m, "name").value;
    });
  }
  function addEvidence(member, kind, values) {
    if (!document.getElementById("ev-tpl-" + kind)) return null;
    const node = instantiate("ev-tpl-" + kind, "m" + ++uid);
    member.querySelector(".ev-list").appendChild(node);
    if (values) writeFields(node, values);
    const from = node.querySelector('[name$="-valid_from"]');
    if (from && !from.value) from.value = today;
    return node;
  }

  // --- photos -------------------------------------------------------------------------------------
  // A camera's photo (often 4–10 MB) is scaled to at most 2000 px on its long side before it is kept:
  // a village connection sends it in seconds and the phone's storage holds a family's papers.
  const MAX_SIDE = 2000;
  async function shrink(file, name) {
    if (!/^image\/(jpeg|png)$/.test(file.type) || file.size < 1500000 || !window.createImageBitmap) {
      return { blob: file, name: name };
    }
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
      if (blob && blob.size < file.size) return { blob: blob, name: name.replace(/\.[^.]*$/, "") + ".jpg" };
    } catch (e) {
      /* kept as taken */
    }
    return { blob: file, name: name };
  }
  async function addPhotos(files) {
    for (const file of files) {
      const id = newKey();
      const kept = await shrink(file, file.name || "照片.jpg");
      await putPhoto({ id: id, blob: kept.blob, name: kept.name });
      draft.photos.push({ id: id, name: kept.name, category: "other" });
    }
    persist();
    await renderPhotos();
  }
  async function renderPhotos() {
    const list = document.getElementById("photo-list");
    list.querySelectorAll("img").forEach((img) => img.src && URL.revokeObjectURL(img.src));
    list.innerHTML = "";
    for (const p of draft.photos) {
      const node = document.getElementById("photo-tpl").content.firstElementChild.cloneNode(true);
      node.dataset.id = p.id;
      node.querySelector(".p-name").textContent = p.name;
      node.querySelector(".p-category").value = p.category;
      let rec = null;
      try {
        rec = await getPhoto(p.id);
      } catch (e) {
        rec = null;
      }
      if (rec && rec.blob) node.querySelector("img").src = URL.createObjectURL(rec.blob);
      list.appendChild(node);
    }
    document.getElementById("photo-empty").hidden = draft.photos.length > 0;
  }

  // --- steps --------------------------------------------------------------------------------------
  function go(step, scroll) {
    step = Math.max(0, Math.min(LAST, step));
    form.dataset.at = String(step);
    draft.at = step;
    document.querySelectorAll("#step-tabs [data-goto]").forEach((b) => {
      if (Number(b.dataset.goto) === step) b.setAttribute("aria-current", "step");
      else b.removeAttribute("aria-current");
    });
    persist();
    if (scroll !== false) window.scrollTo(0, 0);
    if (step === LAST) estimateSoon(0);
  }

  // --- the estimate -------------------------------------------------------------------------------
  let estimateTimer = null;
  let estimateSeq = 0;
  function csrf() {
    const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    const el = form.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }
  function esc(text) {
    const d = document.createElement("div");
    d.textContent = text == null ? "" : String(text);
    return d.innerHTML;
  }
  function estimateSoon(delay) {
    clearTimeout(estimateTimer);
    estimateTimer = setTimeout(estimate, delay == null ? 1000 : delay);
  }
  async function estimate() {
    const data = payload();
    if (!data.members.length || !data.members[0].id_number) return;
    if (!navigator.onLine) {
      estimateBox.classList.add("stale");
      if (!estimateBox.querySelector(".estimate-summary")) {
        estimateBox.innerHTML = '<p class="muted">离线：恢复联网后自动试算。</p>';
      }
      estimateMini.textContent = "试算：离线，恢复联网后更新";
      estimateMini.hidden = false;
      return;
    }
    const seq = ++estimateSeq;
    try {
      const r = await fetch(form.dataset.estimateUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
        body: JSON.stringify(data),
      });
      const j = await r.json();
      if (seq !== estimateSeq) return;
      estimateBox.classList.remove("stale");
      if (j.ok) {
        // The facts now pass: the problems of an earlier submission are corrected, not to be shown.
        if (!problemsBox.hidden) clearProblems();
        estimateBox.innerHTML = j.html;
        estimateMini.textContent = "试算：" + j.summary;
        tickEligible(j.eligible || []);
      } else {
        estimateBox.innerHTML =
          "<p><b>暂不能试算，请先更正：</b></p><ul>" +
          (j.problems || [{ message: j.message }]).map((p) => "<li>" + esc(p.message) + "</li>").join("") +
          "</ul>";
        estimateMini.textContent = "试算：请先更正填写有误的内容";
      }
      estimateMini.hidden = false;
    } catch (e) {
      estimateBox.classList.add("stale");
    }
  }
  function tickEligible(eligible) {
    if (draft.programmesTouched) return;
    form.querySelectorAll("input[name=programmes]").forEach((el) => {
      el.checked = eligible.indexOf(el.value) >= 0;
    });
    save();
  }

  // --- problems -----------------------------------------------------------------------------------
  function clearProblems() {
    form.querySelectorAll(".field-error.dyn").forEach((e) => e.remove());
    form.querySelectorAll(".has-error").forEach((e) => e.classList.remove("has-error"));
    form.querySelectorAll("[data-error-for]").forEach((e) => (e.hidden = true));
    document.querySelectorAll("#step-tabs .has-problem").forEach((b) => b.classList.remove("has-problem"));
    problemsBox.hidden = true;
    problemsBox.innerHTML = "";
  }
  function placeProblem(p) {
    let root = form;
    let step = p.field === "region" ? 0 : p.field === "photos" ? 3 : LAST;
    if (p.member != null && membersBox.children[p.member]) {
      const member = membersBox.children[p.member];
      const evidence = p.evidence != null ? member.querySelectorAll("fieldset.evidence")[p.evidence] : null;
      root = evidence || member.querySelector(".person-part");
      step = evidence ? 2 : 1;
    }
    const el = p.field
      ? root.querySelector('[name$="-' + p.field + '"]') || root.querySelector('[name="' + p.field + '"]')
      : null;
    const holder = el ? el.closest(".field") || el.parentElement : root === form ? null : root;
    if (holder) {
      const msg = document.createElement("p");
      msg.className = "field-error dyn";
      msg.setAttribute("role", "alert");
      msg.textContent = p.message;
      holder.classList.add("has-error");
      holder.appendChild(msg);
    }
    const tab = document.querySelector('#step-tabs [data-goto="' + step + '"]');
    if (tab) tab.classList.add("has-problem");
    return step;
  }
  function showProblems(j) {
    clearProblems();
    const problems = j.problems && j.problems.length ? j.problems : [{ message: j.message }];
    const steps = problems.map(placeProblem);
    problemsBox.innerHTML =
      "<b>未能提交，请更正以下内容（填写内容仍保存在本机）：</b><ul>" +
      problems.map((p) => "<li>" + esc(p.message) + "</li>").join("") +
      "</ul>";
    problemsBox.hidden = false;
    const first = Math.min.apply(null, steps);
    if (first < LAST) go(first);
    else problemsBox.scrollIntoView({ block: "center" });
  }

  // --- the submission -----------------------------------------------------------------------------
  function showNet() {
    if (!navigator.onLine) {
      netStatus.textContent = draft.pending
        ? "离线：已保存在本机，恢复联网后自动提交。"
        : "离线：填写内容保存在本机，可继续填写。";
      netStatus.className = "net-status";
      netStatus.hidden = false;
    } else if (draft.pending) {
      netStatus.textContent = "已恢复联网，正在提交……";
      netStatus.className = "net-status online";
      netStatus.hidden = false;
    } else {
      netStatus.hidden = true;
    }
  }
  async function submit() {
    if (sending) return;
    save();
    if (!navigator.onLine) {
      draft.pending = true;
      persist();
      showNet();
      return;
    }
    sending = true;
    submitBtn.disabled = true;
    submitBtn.textContent = "正在提交……";
    try {
      const data = payload();
      const photos = [];
      for (const p of draft.photos) {
        const rec = await getPhoto(p.id);
        if (rec && rec.blob) photos.push({ blob: rec.blob, name: p.name, category: p.category });
      }
      data.photos = photos.map((p) => ({ name: p.name, category: p.category }));
      const body = new FormData();
      body.append("payload", JSON.stringify(data));
      photos.forEach((p) => body.append("photos", p.blob, p.name));
      const r = await fetch(form.dataset.submitUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf() },
        body: body,
      });
      let j = null;
      try {
        j = await r.json();
      } catch (e) {
        j = null;
      }
      draft.pending = false;
      if (r.ok && j && j.ok) {
        await finished(j);
      } else if (j && (j.problems || j.message)) {
        persist();
        showProblems(j);
      } else {
        persist();
        showProblems({
          message: r.redirected
            ? "登录已过期，请在新窗口重新登录后再提交（填写内容仍保存在本机）。"
            : "服务器暂时无法处理，请稍后再提交（填写内容仍保存在本机）。",
        });
      }
    } catch (e) {
      draft.pending = true; // the connection dropped: sent again, with the same key, when it returns
      persist();
    } finally {
      sending = false;
      submitBtn.disabled = false;
      submitBtn.textContent = "提交登记并受理";
      showNet();
    }
  }
  async function finished(j) {
    clearProblems();
    doneBox.innerHTML =
      "<p><b>" +
      esc(j.message) +
      "</b></p><p><a href='" +
      esc(j.household_url) +
      "'>查看家庭</a>　<a href='" +
      esc(j.case_url) +
      "'>查看申请</a></p>";
    doneBox.hidden = false;
    try {
      await clearPhotos();
    } catch (e) {
      /* nothing stored */
    }
    localStorage.removeItem(DRAFT);
    draft = fresh();
    restore();
    window.scrollTo(0, 0);
  }

  // --- restoring the page from the draft ----------------------------------------------------------
  function restore() {
    const region = form.elements.region;
    if (region.tagName !== "SELECT") region.value = draft.region || "";
    else if (draft.region && region.querySelector('option[value="' + draft.region + '"]')) region.value = draft.region;
    form.elements.address.value = draft.address || "";
    membersBox.innerHTML = "";
    const members = draft.members && draft.members.length ? draft.members : [null];
    members.forEach((m) => addMember(m));
    form.querySelectorAll("input[name=programmes]").forEach((el) => {
      el.checked = (draft.programmes || []).indexOf(el.value) >= 0;
    });
    if (draft.channel) form.elements.channel.value = draft.channel;
    form.elements.authorised.checked = !!draft.authorised;
    form.elements.accept.checked = draft.accept !== false;
    form.elements.note.value = draft.note || "";
    estimateBox.innerHTML = '<p class="muted">填写户主后自动试算可能享受的救助。</p>';
    estimateMini.hidden = true;
    renderPhotos();
    go(draft.at || 0, false);
    if (draft.members && draft.members.length) estimateSoon(300);
  }

  // --- events -------------------------------------------------------------------------------------
  form.addEventListener("input", (e) => {
    const el = e.target;
    if (el.dataset && el.dataset.follow) delete el.dataset.follow;
    if (el.name === "programmes") draft.programmesTouched = true;
    if (el.classList.contains("ev-kind")) return;
    propagate();
    renumber();
    save();
    estimateSoon();
  });
  form.addEventListener("change", (e) => {
    if (e.target.classList.contains("p-category")) return;
    if (e.target.name === "programmes") draft.programmesTouched = true;
    if (e.target.classList.contains("ev-kind") || e.target.type === "file") return;
    propagate();
    save();
    estimateSoon();
  });
  document.getElementById("photo-list").addEventListener("change", (e) => {
    const li = e.target.closest(".photo");
    const p = draft.photos.find((x) => x.id === li.dataset.id);
    if (p) p.category = e.target.value;
    persist();
  });
  document.getElementById("photo-input").addEventListener("change", (e) => {
    const files = Array.from(e.target.files || []);
    e.target.value = "";
    addPhotos(files);
  });
  document.addEventListener("click", (e) => {
    const t = e.target.closest("button");
    if (!t) return;
    if (t.dataset.goto != null) return go(Number(t.dataset.goto));
    if (t.id === "next-step") return go(Number(form.dataset.at) + 1);
    if (t.id === "prev-step") return go(Number(form.dataset.at) - 1);
    if (t.id === "add-member") {
      const node = addMember(null);
      save();
      field(node, "name").focus();
      return;
    }
    if (t.id === "estimate-btn") return estimateSoon(0);
    if (t.id === "discard") {
      clearPhotos().catch(() => null);
      localStorage.removeItem(DRAFT);
      draft = fresh();
      clearProblems();
      doneBox.hidden = true;
      restore();
      return;
    }
    if (t.classList.contains("remove-member")) {
      t.closest("[data-member]").remove();
      renumber();
      save();
      estimateSoon();
      return;
    }
    if (t.classList.contains("add-ev-btn")) {
      const member = t.closest("[data-member]");
      const select = member.querySelector(".ev-kind");
      if (!select.value) return select.focus();
      const node = addEvidence(member, select.value, null);
      select.value = "";
      save();
      const first = node && node.querySelector("input, select");
      if (first) first.focus();
      return;
    }
    if (t.classList.contains("remove-ev")) {
      t.closest("fieldset.evidence").remove();
      save();
      estimateSoon();
      return;
    }
    if (t.classList.contains("remove-photo")) {
      const li = t.closest(".photo");
      draft.photos = draft.photos.filter((p) => p.id !== li.dataset.id);
      deletePhoto(li.dataset.id).catch(() => null);
      persist();
      renderPhotos();
    }
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (Number(form.dataset.at) < LAST) return go(Number(form.dataset.at) + 1);
    submit();
  });
  window.addEventListener("online", () => {
    showNet();
    if (draft.pending) submit();
    estimateSoon(300);
  });
  window.addEventListener("offline", showNet);

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register(form.dataset.workerUrl, { scope: form.dataset.pageUrl }).catch(() => null);
  }
  restore();
  showNet();
  if (draft.pending && navigator.onLine) submit();
})();
