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
  }
  document.querySelectorAll('form[data-testid="buy-form"][data-price]').forEach(setUp);
})();
