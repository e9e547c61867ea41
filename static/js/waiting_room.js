// The waiting room page: poll the line's JSON at the pace the server asks (retry_after),
// slower while the tab is hidden, and reload once admitted so the buy form (with its
// admission token) is rendered by the server. The place in line does not depend on polling:
// admission advances with time on the server. Each poll asks to be held until admitted
// (`Prefer: wait`): near the turn the server answers the moment the buyer is let in, and
// after such a held answer the next poll follows a second later.
"use strict";

(function () {
  const HIDDEN_FACTOR = 3;
  const HOLD_SECONDS = 10;

  function watch(node) {
    const position = node.querySelector("[data-role=position]");
    const wait = node.querySelector("[data-role=wait]");
    const template = document.getElementById("wait-template");
    const waitText = template ? JSON.parse(template.textContent) : "{seconds}";
    let retry = Number(node.dataset.retry) || 1;

    const later = () => {
      const seconds = Math.max(1, retry) * (document.hidden ? HIDDEN_FACTOR : 1);
      setTimeout(tick, seconds * 1000);
    };
    const tick = async () => {
      try {
        const response = await fetch(node.dataset.url, {
          headers: { Accept: "application/json", Prefer: `wait=${HOLD_SECONDS}` },
          credentials: "same-origin",
        });
        if (response.ok) {
          const ticket = await response.json();
          if (ticket.admitted) {
            window.location.reload();
            return;
          }
          position.textContent = ticket.position;
          wait.textContent = waitText.replace("{seconds}", ticket.estimated_wait_seconds);
          retry = response.headers.get("Preference-Applied") ? 1 : ticket.retry_after;
        } else if (response.status === 404) {
          window.location.reload(); // the line was forgotten: the page offers to join again
          return;
        } else {
          retry = Number(response.headers.get("Retry-After")) || retry;
        }
      } catch (error) {
        // a passing network error: try again at the same pace
      }
      later();
    };
    later();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-testid=queue-status]").forEach(watch);
  });
})();
