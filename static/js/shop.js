// Live parts of the pages, by polling small JSON endpoints (no framework, no CDN).
// Polling rather than server-sent events: a few hundred bytes every second or so costs
// nothing, works through any proxy, and does not hold a server thread per open page.
// Gently: a purchase in flight every 0.5 s, slower once it waits on the exchange, and a tab
// in the background every 10 s at most (checked again the moment it comes back); after a
// failed request the pause doubles, so an overloaded shop is not polled harder.
"use strict";

(function () {
  const WORKERS_EVERY_MS = 3000;
  const PURCHASE_EVERY_MS = 500;
  const HIDDEN_EVERY_MS = 10000;
  const MAX_BACKOFF_MS = 8000;

  // Run `task` now and then again after the delay it returns (ms; null stops), never faster
  // than HIDDEN_EVERY_MS while the tab is hidden; a tab becoming visible runs it at once.
  function poll(task) {
    let timer = null;
    let running = false;
    const run = async () => {
      clearTimeout(timer);
      if (running) return;
      running = true;
      const delay = await task();
      running = false;
      if (delay === null) {
        document.removeEventListener("visibilitychange", onVisible);
        return;
      }
      timer = setTimeout(run, document.hidden ? Math.max(delay, HIDDEN_EVERY_MS) : delay);
    };
    const onVisible = () => { if (!document.hidden) run(); };
    document.addEventListener("visibilitychange", onVisible);
    run();
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function readJson(id, fallback) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  // --- Workers indicator (every page) -------------------------------------------------------
  function watchWorkers(indicator) {
    const label = indicator.querySelector("[data-role=label]");
    const show = (up, count) => {
      indicator.classList.toggle("up", up);
      indicator.classList.toggle("down", !up);
      indicator.dataset.available = String(up);
      label.textContent = up
        ? indicator.dataset.labelUp.replace("%(n)s", count)
        : indicator.dataset.labelDown;
    };
    poll(async () => {
      try {
        const status = await getJson(indicator.dataset.url);
        show(status.available, status.workers);
      } catch (error) {
        show(false, 0);
      }
      return WORKERS_EVERY_MS;
    });
  }

  // --- Purchases in flight ------------------------------------------------------------------
  function watchPurchase(node, labels, progressText) {
    const id = node.dataset.purchase;
    const statusNode = node.querySelector("[data-role=status]");
    const progress = node.querySelector("[data-role=progress]");
    const bar = node.querySelector("[data-role=progress-bar]");
    const history = node.querySelector("[data-role=history]");
    const ticket = node.querySelector("[data-role=ticket]");
    const explain = node.querySelector("[data-role=explain]");
    const finals = ["validated", "rejected", "expired"];

    const render = (purchase) => {
      node.dataset.status = purchase.status;
      statusNode.textContent = labels[purchase.status] || purchase.status;
      statusNode.className = `status status-${purchase.status}`;
      if (progress && progressText) {
        progress.textContent = progressText
          .replace("{solved}", purchase.challenges.solved)
          .replace("{total}", purchase.challenges.total);
      }
      if (bar) {
        bar.max = purchase.challenges.total || 1;
        bar.value = purchase.challenges.solved;
      }
      if (history) {
        history.innerHTML = "";
        for (const step of purchase.history) {
          const item = document.createElement("li");
          const badge = document.createElement("span");
          badge.className = `status status-${step.status}`;
          badge.textContent = labels[step.status] || step.status;
          const at = document.createElement("small");
          at.className = "muted";
          at.textContent = ` ${new Date(step.at).toLocaleTimeString(document.documentElement.lang, { timeZone: "America/Santiago", hour12: false })}`;
          item.append(badge, at);
          history.append(item);
        }
      }
      if (ticket && purchase.ticket_url) {
        ticket.innerHTML = "";
        const link = document.createElement("a");
        link.href = purchase.ticket_url;
        link.className = "button button-small";
        link.dataset.testid = "ticket-link";
        link.textContent = labels.download || "Download ticket";
        ticket.append(link);
      }
      if (explain && finals.includes(purchase.status)) {
        explain.textContent = labels[`explain_${purchase.status}`] || explain.textContent;
      }
    };

    let backoff = PURCHASE_EVERY_MS;
    poll(async () => {
      try {
        const purchase = await getJson(`/api/v1/purchases/${id}/`);
        render(purchase);
        backoff = PURCHASE_EVERY_MS;
        if (finals.includes(purchase.status) && (purchase.status !== "validated" || purchase.ticket_url)) {
          node.dataset.live = "false";
          return null;
        }
        // Reserved and solving move every fraction of a second; afterwards (validated,
        // waiting for the ticket) the next change is seconds away.
        return finals.includes(purchase.status) ? 4 * PURCHASE_EVERY_MS : PURCHASE_EVERY_MS;
      } catch (error) {
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);  // a passing error, or an overloaded shop
        return backoff;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const indicator = document.querySelector("[data-testid=workers-indicator]");
    if (indicator) watchWorkers(indicator);
    const labels = readJson("status-labels", {});
    const progressText = readJson("progress-template", null);
    document.querySelectorAll("[data-purchase][data-live=true]").forEach((node) => {
      watchPurchase(node, labels, progressText);
    });
  });
})();
