// A job's page (templates/jobs/page.html): polls the job's JSON until it ends and updates the
// status, the progress bar, the message, the result link and the cancel button. No inline
// script: the URL comes from the card's data-job-status-url.
(function () {
  "use strict";
  var card = document.querySelector("[data-job-status-url]");
  if (!card) { return; }
  var url = card.getAttribute("data-job-status-url");
  var delay = 1000;

  function field(name, value) {
    var element = card.querySelector('[data-job-field="' + name + '"]');
    if (element && value !== undefined && value !== null) { element.textContent = String(value); }
    return element;
  }

  function show(job) {
    field("status_title", job.status_title);
    field("message", job.message);
    field("progress", job.progress);
    var bar = card.querySelector("[data-job-progress]");
    if (bar) { bar.value = job.progress; bar.textContent = job.progress + "%"; }
    var error = field("error", job.error || "");
    if (error) { error.classList.toggle("d-none", !job.error); }
    var link = card.querySelector("[data-job-result]");
    if (link && job.result_url) {
      link.href = job.result_url;
      if (job.result_label) { link.textContent = job.result_label; }
      link.classList.remove("d-none");
    }
    var cancel = card.querySelector("[data-job-cancel]");
    if (cancel && job.finished) { cancel.classList.add("d-none"); }
    if (cancel && job.cancel_requested) {
      var button = cancel.querySelector("button");
      if (button) { button.disabled = true; }
    }
  }

  function poll() {
    fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        show(job);
        if (!job.finished) {
          delay = Math.min(delay * 1.3, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 500);
}());
