// The waiting-room display (booking_queue_display.html): fetch the room's board every few
// seconds and redraw it; the called number flashes when it changes. Numbers only: the
// board's JSON has nothing else. Without this script a meta refresh reloads the page.
(function () {
  "use strict";
  var root = document.getElementById("queue");
  if (!root || !window.fetch) { return; }
  var source = root.dataset.source;
  var every = Math.max(2, parseInt(root.dataset.poll, 10) || 4) * 1000;
  var calling = document.getElementById("calling");
  var recent = document.getElementById("recent");
  var next = document.getElementById("next");
  var none = document.getElementById("next-none");
  var waiting = document.getElementById("waiting");
  var stale = document.getElementById("stale");

  function draw(board) {
    var called = board.calling || "\u2014";
    if (calling.textContent !== called) {
      calling.textContent = called;
      calling.classList.remove("flash");
      void calling.offsetWidth; // restart the animation
      calling.classList.add("flash");
    }
    recent.textContent = board.recent.length ? board.recent.join(" \u00b7 ") : "\u2014";
    while (next.firstChild) { next.removeChild(next.firstChild); }
    board.next.forEach(function (n) {
      var li = document.createElement("li");
      li.textContent = n;
      next.appendChild(li);
    });
    none.hidden = board.next.length > 0;
    waiting.textContent = String(board.waiting);
  }

  function poll() {
    fetch(source, {cache: "no-store", credentials: "omit"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (board) { draw(board); stale.hidden = true; })
      .catch(function () { stale.hidden = false; })
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
}());
