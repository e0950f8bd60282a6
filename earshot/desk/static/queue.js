// The open queue asks the desk for its rows every few seconds, so a new mention appears
// without a reload. Without JavaScript the page is the same, refreshed by reloading.
(function () {
  const rows = document.getElementById("queue-rows");
  const checked = document.getElementById("queue-checked");
  const every = Number(rows.dataset.refreshSeconds) * 1000;

  async function refresh() {
    // A keyboard user inside the table keeps their place: wait for them to leave it.
    if (!rows.contains(document.activeElement)) {
      try {
        const response = await fetch(rows.dataset.refreshUrl, { credentials: "same-origin" });
        if (response.status === 503) {  // Elasticsearch stopped or restarting: it comes back
          checked.textContent = "Elasticsearch did not answer; trying again.";
        } else if (!response.ok || response.redirected) {
          checked.textContent = "Stopped updating: reload the page (you may need to sign in).";
          return;
        } else {
          const fresh = document.createElement("tbody");
          fresh.innerHTML = await response.text();
          if (fresh.innerHTML.trim() !== rows.innerHTML.trim()) {  // only a change is announced
            rows.replaceChildren(...fresh.childNodes);
            checked.textContent = "Updated " + new Date().toLocaleTimeString("en-GB");
          } else if (checked.textContent.endsWith("trying again.")) {  // it answers again
            checked.textContent = "";
          }
        }
      } catch (error) {
        checked.textContent = "Could not reach the desk; trying again.";
      }
    }
    setTimeout(refresh, every);
  }

  setTimeout(refresh, every);
})();
