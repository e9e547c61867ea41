// Live parts of the pages, by polling small JSON endpoints (no framework, no CDN).
// Polling rather than server-sent events: a few hundred bytes now and then cost nothing,
// work through any proxy, and do not hold a server thread per open page. The one exception
// is a purchase page's purchase in flight: it is asked for with `Prefer: wait`, which the
// server holds until the verdict (at most 10 s) while it has threads to spare, so the
// verdict shows the moment it is given; answered at once, it is polled again when the
// server expects it to have moved (X-Poll-Interval, 0.5 to 2 s). Every 2 s once validated
// and waiting for its ticket; a tab in the background every 10 s at most (checked again the
// moment it comes back); after a failed request the pause doubles, so an overloaded shop is
// not polled harder.
"use strict";

(function () {
  const WORKERS_EVERY_MS = 3000;
  const PURCHASE_EVERY_MS = 500;
  const MAX_PACE_MS = 2000;
  const HIDDEN_EVERY_MS = 10000;
  const MAX_BACKOFF_MS = 8000;
  const HOLD_SECONDS = 10;

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

  // The JSON body and the response (for its headers).
  async function fetchJson(url, headers = {}) {
    const response = await fetch(url, { headers: { Accept: "application/json", ...headers }, credentials: "same-origin" });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return [await response.json(), response];
  }

  async function getJson(url) {
    return (await fetchJson(url))[0];
  }

  function readJson(id, fallback) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : fallback;
  }

  // --- Workers indicator (every page) -------------------------------------------------------
  // Not a live region: it is checked every few seconds and would be read out each time.
  // Pages that care (a purchase in flight) hear about changes through "workers:change".
  function watchWorkers(indicator) {
    const label = indicator.querySelector("[data-role=label]");
    const upText = indicator.dataset.labelUpStaff || indicator.dataset.labelUp;
    const show = (up, count) => {
      const text = up ? upText.replace("{n}", count) : indicator.dataset.labelDown;
      const changed = indicator.dataset.available !== String(up);
      indicator.classList.toggle("up", up);
      indicator.classList.toggle("down", !up);
      indicator.dataset.available = String(up);
      if (label.textContent !== text) label.textContent = text;
      if (changed) document.dispatchEvent(new CustomEvent("workers:change", { detail: { up } }));
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

  function formatClp(amount) {
    const digits = Math.abs(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return `${amount < 0 ? "-" : ""}$${digits}`;
  }

  // After a purchase ends (a refund, or the final charge), the header's balance is read again.
  async function refreshBalance() {
    const badge = document.querySelector("[data-testid=nav-balance]");
    if (!badge) return;
    try {
      const wallet = await getJson("/api/v1/wallet/");
      badge.textContent = formatClp(wallet.balance);
    } catch (error) { /* the next page shows it */ }
  }

  // The same steps as payments/buyer_words.py: 100 % only once the payment is confirmed.
  function progressPercent(purchase) {
    const { solved, total } = purchase.challenges;
    switch (purchase.status) {
      case "validated": return 100;
      case "submitted": return 90;
      case "solving": return 10 + (total ? Math.floor((75 * solved) / total) : 0);
      default: return 5;
    }
  }

  // --- Purchases in flight ------------------------------------------------------------------
  // `hold`: ask the server to hold the answer until the verdict (one purchase on the page:
  // a list of several would hold as many of the browser's few connections to the shop).
  function watchPurchase(node, labels, explanations, hold) {
    const id = node.dataset.purchase;
    const part = (role) => node.querySelector(`[data-role=${role}]`);
    const statusNode = part("status");
    const bar = part("progress-bar");
    const barWrap = part("progress-wrap");
    const history = part("history");
    const ticket = part("ticket");
    const explain = part("explain");
    const emailed = part("emailed");
    const delayed = part("delayed");
    const finals = ["validated", "rejected", "expired"];
    const historyLabels = labels.history || labels;
    let workersUp = true;

    const setText = (element, text) => {
      // Only a real change is written: the status is a live region, read out on change.
      if (element && text && element.textContent.trim() !== text) element.textContent = text;
    };
    const showDelay = () => {
      if (delayed) delayed.hidden = workersUp || finals.includes(node.dataset.status);
    };
    document.addEventListener("workers:change", (event) => {
      workersUp = event.detail.up;
      showDelay();
    });

    const render = (purchase) => {
      const ended = finals.includes(purchase.status) && node.dataset.status !== purchase.status;
      node.dataset.status = purchase.status;
      setText(statusNode, labels[purchase.status] || purchase.status);
      statusNode.className = `status status-${purchase.status}`;
      if (bar) bar.value = progressPercent(purchase);
      if (barWrap) barWrap.hidden = ["rejected", "expired"].includes(purchase.status);
      if (history) {
        history.innerHTML = "";
        for (const step of purchase.history) {
          const item = document.createElement("li");
          const badge = document.createElement("span");
          badge.className = `status status-${step.status}`;
          badge.textContent = historyLabels[step.status] || step.status;
          const at = document.createElement("small");
          at.className = "muted";
          at.textContent = ` ${new Date(step.at).toLocaleTimeString(document.documentElement.lang, { timeZone: "America/Santiago", hour12: false })}`;
          item.append(badge, at);
          history.append(item);
        }
      }
      if (ticket && purchase.ticket_url && !ticket.querySelector("a")) {
        ticket.innerHTML = "";
        const link = document.createElement("a");
        // The page's address, not the API's: while the PDF is still rendering it shows a
        // "being prepared" page that refreshes itself, where the API answers 409 in JSON.
        link.href = `/purchases/${id}/ticket/`;
        link.className = "button button-small";
        link.dataset.testid = "ticket-link";
        link.textContent = node.dataset.downloadLabel || "Download";
        ticket.append(link);
      }
      if (explain && finals.includes(purchase.status)) setText(explain, explanations[purchase.status]);
      if (emailed && emailed.textContent.trim()) emailed.hidden = purchase.status !== "validated";
      showDelay();
      if (ended) refreshBalance();
    };

    let backoff = PURCHASE_EVERY_MS;
    poll(async () => {
      try {
        // In flight, the server may hold the answer until the verdict (Prefer: wait):
        // one request, and the verdict shown the moment it is given.
        const held = hold && !finals.includes(node.dataset.status) && !document.hidden;
        const [purchase, response] = await fetchJson(`/api/v1/purchases/${id}/`, held ? { Prefer: `wait=${HOLD_SECONDS}` } : {});
        render(purchase);
        backoff = PURCHASE_EVERY_MS;
        if (finals.includes(purchase.status) && (purchase.status !== "validated" || purchase.ticket_url)) {
          node.dataset.live = "false";
          return null;
        }
        // Validated and waiting for the ticket: the next change is seconds away. In flight,
        // the server says when a verdict is likely (X-Poll-Interval: the pipeline's recent
        // latency, mean plus deviation, less this purchase's age), within 0.5 to 2 s.
        if (finals.includes(purchase.status)) return 4 * PURCHASE_EVERY_MS;
        const paced = 1000 * Number(response.headers.get("X-Poll-Interval"));
        return Math.min(MAX_PACE_MS, Math.max(PURCHASE_EVERY_MS, paced || 0));
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
    const explanations = readJson("status-explain", {});
    const live = document.querySelectorAll("[data-purchase][data-live=true]");
    live.forEach((node) => watchPurchase(node, labels, explanations, live.length === 1));
  });
})();
