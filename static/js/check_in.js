/* Door check-in: scanning with the phone's camera where the browser has BarcodeDetector
   (Chrome on Android, Safari 17+ on macOS/iOS…). Elsewhere the button stays hidden and the
   field works with a keyboard-wedge scanner or typing. No library, nothing from outside. */
"use strict";

(function () {
  const LOOK_EVERY_MS = 200;
  const GIVE_UP_AFTER_MS = 60000;  // a camera left open stops by itself

  const button = document.querySelector("[data-testid=check-in-camera]");
  const field = document.querySelector("[data-testid=check-in-code]");
  const video = document.querySelector("[data-role=camera]");
  if (!button || !field || !video) return;
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  button.hidden = false;

  button.addEventListener("click", async () => {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    } catch (error) {
      button.textContent = button.dataset.labelNoCamera;
      return;
    }
    const stop = () => {
      stream.getTracks().forEach((track) => track.stop());
      video.hidden = true;
      field.focus();
    };
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const started = Date.now();
    const look = async () => {
      if (Date.now() - started > GIVE_UP_AFTER_MS) return stop();
      let codes = [];
      try { codes = await detector.detect(video); } catch (error) { /* a frame not ready */ }
      if (codes.length) {
        field.value = codes[0].rawValue;
        stop();
        field.form.requestSubmit();
        return;
      }
      setTimeout(look, LOOK_EVERY_MS);
    };
    look();
  });
})();
