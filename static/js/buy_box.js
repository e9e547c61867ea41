/* The buy box: total, balance after and what is missing follow the chosen quantity.
   The page is right without this script (the server renders the chosen quantity); it only
   saves a round trip when the buyer changes the number. */
(function () {
  "use strict";
  function clp(amount) {
    var digits = Math.abs(amount).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
    return (amount < 0 ? "-$" : "$") + digits;
  }
  function setUp(form) {
    var select = form.querySelector("select[name=quantity]");
    var price = parseInt(form.dataset.price, 10);
    var hasBalance = form.dataset.balance !== undefined;
    var balance = parseInt(form.dataset.balance, 10);
    function part(role) { return form.querySelector('[data-role="' + role + '"]'); }
    function update() {
      var quantity = parseInt(select.value, 10);
      var total = price * quantity;
      part("total").textContent = clp(total);
      if (!hasBalance) { return; }
      part("after").textContent = clp(balance - total);
      var missing = Math.max(total - balance, 0);
      part("short").hidden = missing === 0;
      var text = part("missing-text");
      text.textContent = text.dataset.template.replace("{amount}", clp(missing));
      var link = part("top-up");
      var url = new URL(link.href, window.location.href);
      var back = new URL(url.searchParams.get("next") || window.location.pathname, window.location.href);
      back.searchParams.set("quantity", quantity);
      url.searchParams.set("amount", Math.max(missing, parseInt(form.dataset.minDeposit, 10) || 1));
      url.searchParams.set("next", back.pathname + back.search);
      link.href = url.pathname + url.search;
    }
    select.addEventListener("change", update);
    update();  // a quantity chosen before this script loaded (or kept by the browser) counts too
    setUpConfirm(form, select);
  }
  /* The review step in the page: "Buy" opens a modal dialog (focus moves into it, its
     description is the summary, Escape or "Cancel" closes it and focus goes back to "Buy");
     its "Confirm purchase" is the only button that posts to the create view, with the same
     form and so the same idempotency token. Without this script "Buy" posts to the review page. */
  function setUpConfirm(form, select) {
    var dialog = form.querySelector('dialog[data-role="confirm"]');
    if (!dialog || typeof dialog.showModal !== "function") { return; }
    var buy = form.querySelector('[data-testid="buy-submit"]');
    var confirm = dialog.querySelector('[data-testid="buy-confirm"]');
    var sent = false;
    form.addEventListener("submit", function (event) {
      if (event.submitter === confirm) {
        if (sent) { event.preventDefault(); return; }  // one create per click of "Confirm"
        sent = true;
        return;
      }
      event.preventDefault();
      dialog.querySelectorAll("[data-summary-for]").forEach(function (line) {
        line.hidden = line.dataset.summaryFor !== select.value;
      });
      dialog.showModal();
      confirm.focus();
    });
    dialog.querySelector('[data-role="cancel"]').addEventListener("click", function () {
      dialog.close();
    });
    dialog.addEventListener("close", function () { if (!sent) { buy.focus(); } });
  }
  document.querySelectorAll('form[data-testid="buy-form"][data-price]').forEach(setUp);
})();
