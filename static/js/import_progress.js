// Polls an import job's status while it runs and reloads the page when it is finished,
// so the server renders the result or the list of problems. No dependencies.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var bar = document.getElementById("import-progress");
  var text = document.getElementById("import-progress-text");
  var state = document.getElementById("job-state");
  var delay = 1000;

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        if (job.finished) {
          window.location.reload();
          return;
        }
        bar.value = job.percent;
        bar.textContent = job.percent + "%";
        text.textContent = text.textContent.replace(/\d+\s*\/\s*\d+/, job.processed_rows + " / " + job.total_rows);
        if (state) state.textContent = job.state_label;
        delay = 1000;
        window.setTimeout(poll, delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, 15000); // the server or network is struggling: back off
        window.setTimeout(poll, delay);
      });
  }

  window.setTimeout(poll, delay);
})();
