/* Door check-in: scanning with the phone's camera. The browser's BarcodeDetector reads the QR
   code where it exists (Chrome on Android, Safari 17+…); elsewhere the bundled jsQR
   (static/vendor/jsqr, loaded only when the camera is opened) reads frames drawn on a canvas.
   Without a camera the button stays hidden and the field works with a keyboard-wedge scanner
   or typing. Nothing is loaded from outside. */
"use strict";

(function () {
  const LOOK_EVERY_MS = 200;
  const GIVE_UP_AFTER_MS = 60000;  // a camera left open stops by itself

  const button = document.querySelector("[data-testid=check-in-camera]");
  const field = document.querySelector("[data-testid=check-in-code]");
  const video = document.querySelector("[data-role=camera]");
  if (!button || !field || !video) return;
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  button.hidden = false;

  let jsQRLoaded = null;
  function loadJsQR() {
    if (!jsQRLoaded) {
      jsQRLoaded = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = button.dataset.jsqrSrc;
        script.onload = () => resolve(window.jsQR);
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return jsQRLoaded;
  }

  /* The code in one frame (a video, a canvas or an image) with jsQR, or null. */
  const frame = document.createElement("canvas");
  async function decodeWithJsQR(source) {
    const jsQR = await loadJsQR();
    const width = source.videoWidth || source.naturalWidth || source.width;
    const height = source.videoHeight || source.naturalHeight || source.height;
    if (!width || !height) return null;  // the video has no frame yet
    frame.width = width;
    frame.height = height;
    const context = frame.getContext("2d", { willReadFrequently: true });
    context.drawImage(source, 0, 0, width, height);
    const found = jsQR(context.getImageData(0, 0, width, height).data, width, height);
    return found ? found.data : null;
  }

  /* A reader of frames: BarcodeDetector where the browser has it, jsQR elsewhere. */
  function makeReader() {
    if ("BarcodeDetector" in window) {
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async (source) => {
        const codes = await detector.detect(source);
        return codes.length ? codes[0].rawValue : null;
      };
    }
    return decodeWithJsQR;
  }
  window.checkInDecodeFrame = decodeWithJsQR;  // what the fallback reads, for the tests

  button.addEventListener("click", async () => {
    const read = makeReader();
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
      let code = null;
      try { code = await read(video); } catch (error) { /* a frame not ready */ }
      if (code) {
        field.value = code;
        stop();
        field.form.requestSubmit();
        return;
      }
      setTimeout(look, LOOK_EVERY_MS);
    };
    look();
  });
})();
