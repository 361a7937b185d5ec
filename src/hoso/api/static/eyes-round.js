// The eye-screening entry screen (programme_eyes_round.html): acuity read as the server
// reads it (hoso.programmes.eyes.acuity), pass/fail shown as it is typed, Enter moves on
// like Tab, a row is saved when the cursor leaves it, the whole class on "Save"; a row
// the server refuses keeps what was typed and shows why.
(function () {
  "use strict";
  var form = document.getElementById("eyes-round");
  if (!form) { return; }
  var cutoff = parseFloat(form.dataset.cutoff);
  var vi = form.dataset.lang !== "en";
  var say = function (v, e) { return vi ? v : e; };
  var status = document.getElementById("eyes-status");
  var fields = Array.prototype.slice.call(form.querySelectorAll("input, select"));

  function logmar(text) {
    var t = text.trim().toLowerCase().replace(/,/g, ".");
    if (!t) { return null; }
    var m = t.match(/^(\d{1,2}(?:\.\d{1,2})?)\s*\/\s*(\d{1,3}(?:\.\d{1,2})?)$/);
    var v;
    if (m) {
      v = Math.log10(parseFloat(m[2]) / parseFloat(m[1]));
    } else if (t.indexOf("l") >= 0) {
      m = t.match(/^(?:log\s*mar\s*)?([+-]?\d?\.?\d{0,3})\s*(?:l|log\s*mar)?$/);
      if (!m || !/\d/.test(m[1])) { return NaN; }
      v = parseFloat(m[1]);
    } else if (/^[+-]?\d{0,2}(?:\.\d{1,3})?$/.test(t)) {
      var d = parseFloat(t);
      if (!(d > 0 && d <= 2)) { return NaN; }
      v = -Math.log10(d);
    } else { return NaN; }
    v = Math.round(v * 100) / 100;
    return (v < -0.3 || v > 3.0) ? NaN : v;
  }

  function judge(row) {
    var cell = row.querySelector(".outcome");
    if (row.querySelector("select").value !== "screened") {
      cell.textContent = say("—", "—"); row.classList.remove("fail", "bad"); return true;
    }
    var used = {}, bad = false;
    ["ucva", "pva"].forEach(function (kind) {
      ["right", "left"].forEach(function (eye) {
        var input = row.querySelector("input[name=" + kind + "-" + eye + "]");
        var v = logmar(input.value);
        input.setAttribute("aria-invalid", (v !== v) ? "true" : "false");
        if (v !== v) { bad = true; }
        if (v !== null && v === v && (kind === "pva" || used[eye] === undefined)) { used[eye] = v; }
      });
    });
    row.classList.toggle("bad", bad);
    if (bad) { cell.textContent = say("Thị lực không đọc được", "Unreadable acuity"); return false; }
    var fail = Object.keys(used).some(function (e) { return used[e] > cutoff; });
    var both = used.right !== undefined && used.left !== undefined;
    row.classList.toggle("fail", fail);
    cell.textContent = fail ? say("Không đạt", "Fail") : both ? say("Đạt", "Pass") : "";
    return true;
  }

  function entry(row) {
    var e = { patient: row.dataset.patient, status: row.querySelector("select").value };
    if (e.status !== "screened") { return e; }
    ["ucva", "pva"].forEach(function (kind) {
      var r = row.querySelector("input[name=" + kind + "-right]").value.trim();
      var l = row.querySelector("input[name=" + kind + "-left]").value.trim();
      if (r || l) { e[kind] = { right: r || null, left: l || null }; }
    });
    return e;
  }

  function typed(row) {
    if (row.querySelector("select").value !== "screened") { return true; }
    return Array.prototype.some.call(row.querySelectorAll("input"), function (i) { return i.value.trim(); });
  }

  function save(rows) {
    rows = rows.filter(function (r) { return r.dataset.dirty === "1" && typed(r) && judge(r); });
    if (!rows.length) { return Promise.resolve(); }
    status.textContent = say("Đang lưu…", "Saving…");
    return fetch(form.dataset.save, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ rows: rows.map(entry) })
    }).then(function (resp) {
      return resp.json().then(function (body) { return { ok: resp.ok, body: body }; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error((answer.body.issue || [{}])[0].diagnostics || answer.body.detail || "HTTP"); }
      answer.body.rows.forEach(function (r) {
        var row = rows[r.row], cell = row.querySelector(".outcome");
        if (r.ok) {
          row.dataset.dirty = "0"; row.classList.remove("bad");
          cell.textContent = r.outcome === "fail" ? say("Không đạt — đã chuyển khám", "Fail — referred")
            : r.outcome === "pass" ? say("Đạt — đã lưu", "Pass — saved") : say("Đã lưu", "Saved");
        } else {
          row.classList.add("bad"); cell.textContent = r.error;
        }
      });
      status.textContent = say("Đã lưu ", "Saved ") + answer.body.saved + "/" + rows.length;
    }).catch(function (err) {
      status.textContent = say("Chưa lưu được (dữ liệu vẫn còn trên trang): ", "Not saved (what you typed is kept): ") + err.message;
    });
  }

  form.addEventListener("input", function (ev) {
    var row = ev.target.closest("tr");
    if (row) { row.dataset.dirty = "1"; judge(row); }
  });
  form.addEventListener("change", function (ev) {
    var row = ev.target.closest("tr");
    if (row) { row.dataset.dirty = "1"; judge(row); }
  });
  form.addEventListener("keydown", function (ev) {
    if (ev.key !== "Enter" || ev.target.tagName === "BUTTON") { return; }
    ev.preventDefault();
    var i = fields.indexOf(ev.target);
    if (i >= 0 && i + 1 < fields.length) { fields[i + 1].focus(); }
  });
  form.addEventListener("focusout", function (ev) {
    var row = ev.target.closest("tr");
    var next = ev.relatedTarget && ev.relatedTarget.closest ? ev.relatedTarget.closest("tr") : null;
    if (row && next !== row) { save([row]); }
  });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    save(Array.prototype.slice.call(form.querySelectorAll("tbody tr")));
  });
})();
