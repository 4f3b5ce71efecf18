// Passkeys (WebAuthn) on the hosted pages. Progressive enhancement: the
// controls are rendered hidden and shown here only when the browser has
// WebAuthn; the pages work without this file. No inline script (strict CSP):
// every URL comes from data-* attributes of the control:
//   data-passkey="sign_in|second|register", data-options-url, data-verify-url,
//   data-identified="true" (sign-in after an identifier),
//   data-conditional="true" (also offer passkeys in the browser's autofill).
// The server answers JSON: {challenge, options}, then {redirect} or {error}.
(() => {
  "use strict";

  const supported =
    typeof window.PublicKeyCredential === "function" &&
    !!navigator.credentials &&
    typeof navigator.credentials.get === "function";
  const FAILED = "Something went wrong. Reload the page and try again.";
  const CANCELLED =
    "The passkey request was cancelled or timed out. Try again, or use another way.";
  // Challenges live five minutes; the autofill request is renewed before that.
  const RENEW_MS = 4 * 60 * 1000;

  // --- base64url <-> bytes (for browsers without the JSON helpers) -------------
  function toBytes(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "=".repeat((4 - (b64.length % 4)) % 4);
    const raw = atob(padded);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes.buffer;
  }

  function toText(buffer) {
    const bytes = new Uint8Array(buffer);
    let raw = "";
    for (let i = 0; i < bytes.length; i += 1) raw += String.fromCharCode(bytes[i]);
    return btoa(raw).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  const descriptors = (list) =>
    (list || []).map((c) => Object.assign({}, c, { id: toBytes(c.id) }));

  function creationOptions(json) {
    if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function") {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: descriptors(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function") {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: descriptors(json.allowCredentials),
    });
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") {
      try {
        return credential.toJSON();
      } catch (e) {
        // Fall through to the manual encoding.
      }
    }
    const r = credential.response;
    const out = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || null,
      clientExtensionResults: credential.getClientExtensionResults
        ? credential.getClientExtensionResults()
        : {},
      response: { clientDataJSON: toText(r.clientDataJSON) },
    };
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      out.response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      out.response.userHandle = r.userHandle ? toText(r.userHandle) : null;
    }
    return out;
  }

  // --- talking to the server ----------------------------------------------------
  class Refusal extends Error {}

  function csrfToken(root) {
    const input =
      root.querySelector("input[name=csrfmiddlewaretoken]") ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  async function post(root, url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(root),
        },
        body: JSON.stringify(body),
      });
    } catch (e) {
      throw new Refusal(FAILED);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok || !data) throw new Refusal((data && data.error) || FAILED);
    return data;
  }

  function say(root, text) {
    const box = root.querySelector("[data-passkey-error]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function busy(root, on) {
    root.querySelectorAll("button").forEach((b) => {
      b.disabled = on;
    });
  }

  function explain(root, err) {
    if (err && err.name === "AbortError") return; // replaced by another request
    if (err instanceof Refusal) say(root, err.message);
    else if (err && (err.name === "NotAllowedError" || err.name === "TimeoutError"))
      say(root, CANCELLED);
    else if (err && err.name === "InvalidStateError")
      say(root, "This passkey is already registered. Use it to sign in.");
    else say(root, FAILED);
  }

  // --- ceremonies ---------------------------------------------------------------
  async function authenticate(root, { conditional, signal }) {
    const start = await post(root, root.dataset.optionsUrl, {});
    const request = { publicKey: requestOptions(start.options), signal };
    if (conditional) request.mediation = "conditional";
    const credential = await navigator.credentials.get(request);
    // Another ceremony replaced this one, or one is already signing in: one
    // verification per sign-in (a second would find its session ended).
    if ((signal && signal.aborted) || root.dataset.verifying === "true") return;
    root.dataset.verifying = "true";
    busy(root, true);
    const remember = root.querySelector("[data-passkey-remember]");
    let done;
    try {
      done = await post(root, root.dataset.verifyUrl, {
        challenge: start.challenge,
        credential: credentialJSON(credential),
        identified: root.dataset.identified === "true",
        remember: !!(remember && remember.checked),
      });
    } catch (err) {
      root.dataset.verifying = "false";
      throw err;
    }
    window.location.assign(done.redirect);
  }

  async function register(root) {
    const start = await post(root, root.dataset.optionsUrl, {});
    const credential = await navigator.credentials.create({
      publicKey: creationOptions(start.options),
    });
    const name = root.querySelector("input[name=name]");
    const done = await post(root, root.dataset.verifyUrl, {
      challenge: start.challenge,
      credential: credentialJSON(credential),
      name: name ? name.value : "",
    });
    window.location.assign(done.redirect);
  }

  function setUpSignIn(root) {
    let controller = null;
    let timer = null;
    const fresh = () => {
      if (controller) controller.abort();
      controller = new AbortController();
      return controller.signal;
    };
    const autofill = () => {
      clearTimeout(timer);
      timer = setTimeout(autofill, RENEW_MS);
      authenticate(root, { conditional: true, signal: fresh() }).catch((err) => {
        explain(root, err);
      });
    };
    const button = root.querySelector("[data-passkey-start]");
    if (button) {
      button.addEventListener("click", () => {
        if (root.dataset.verifying === "true") return; // already signing in
        clearTimeout(timer);
        say(root, "");
        busy(root, true);
        authenticate(root, { conditional: false, signal: fresh() })
          .catch((err) => {
            explain(root, err);
            busy(root, false);
          });
      });
    }
    const available = PublicKeyCredential.isConditionalMediationAvailable;
    if (root.dataset.conditional === "true" && typeof available === "function") {
      available
        .call(PublicKeyCredential)
        .then((yes) => {
          if (yes) autofill();
        })
        .catch(() => {});
    }
  }

  function setUpRegister(root) {
    root.addEventListener("submit", (event) => {
      event.preventDefault();
      say(root, "");
      busy(root, true);
      register(root).catch((err) => {
        explain(root, err);
        busy(root, false);
      });
    });
  }

  function setUp() {
    document.querySelectorAll("[data-passkey]").forEach((root) => {
      if (root.dataset.passkeyReady) return; // the script may be included twice
      root.dataset.passkeyReady = "true";
      if (!supported) return;
      root.hidden = false;
      if (root.dataset.passkey === "register") setUpRegister(root);
      else setUpSignIn(root);
    });
    if (supported) {
      document.querySelectorAll("[data-passkey-unsupported]").forEach((note) => {
        note.hidden = true;
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
