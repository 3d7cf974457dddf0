/* The self-report page (/report) and the lead form (/leads/new): villages follow the chosen
   township; the report is sent as JSON after the server's proof-of-work challenge (ALTCHA v1:
   find n with SHA-256(salt + n) = challenge). Served from /static: nothing from a CDN. */
(function () {
  "use strict";

  /* Only the chosen township's villages are offered. */
  function linkPlaces(form) {
    var township = form.querySelector("select[name=township]");
    var village = form.querySelector("select[name=village]");
    if (!township || !village) { return; }
    function apply() {
      var chosen = township.value;
      Array.prototype.forEach.call(village.options, function (opt) {
        var place = opt.getAttribute("data-township");
        var other = place !== null && place !== chosen;
        opt.hidden = other;
        opt.disabled = other;
        if (other && opt.selected) { village.value = ""; }
      });
    }
    township.addEventListener("change", apply);
    apply();
  }

  /* SHA-256 in plain JavaScript, for pages opened over plain http on a village network, where
     browsers hide crypto.subtle. */
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2];

  function sha256Hex(text) {  /* text is ASCII: the salt and a number */
    var bytes = [], i, j;
    for (i = 0; i < text.length; i++) { bytes.push(text.charCodeAt(i) & 0xff); }
    var bitLength = bytes.length * 8;
    bytes.push(0x80);
    while (bytes.length % 64 !== 56) { bytes.push(0); }
    for (i = 7; i >= 0; i--) { bytes.push(i >= 4 ? 0 : (bitLength >>> (i * 8)) & 0xff); }
    var h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c,
      0x1f83d9ab, 0x5be0cd19];
    var w = new Array(64);
    for (i = 0; i < bytes.length; i += 64) {
      for (j = 0; j < 16; j++) {
        w[j] = (bytes[i + 4 * j] << 24) | (bytes[i + 4 * j + 1] << 16) |
          (bytes[i + 4 * j + 2] << 8) | bytes[i + 4 * j + 3];
      }
      for (j = 16; j < 64; j++) {
        var a0 = w[j - 15], a1 = w[j - 2];
        var s0 = ((a0 >>> 7) | (a0 << 25)) ^ ((a0 >>> 18) | (a0 << 14)) ^ (a0 >>> 3);
        var s1 = ((a1 >>> 17) | (a1 << 15)) ^ ((a1 >>> 19) | (a1 << 13)) ^ (a1 >>> 10);
        w[j] = (w[j - 16] + s0 + w[j - 7] + s1) | 0;
      }
      var a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
      for (j = 0; j < 64; j++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[j] + w[j]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h = [h[0] + a, h[1] + b, h[2] + c, h[3] + d, h[4] + e, h[5] + f, h[6] + g, h[7] + k];
    }
    return h.map(function (x) { return ("00000000" + (x >>> 0).toString(16)).slice(-8); }).join("");
  }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (x) {
      return ("0" + x.toString(16)).slice(-2);
    }).join("");
  }

  /* Find the number; SubtleCrypto where the browser offers it (https, localhost). */
  async function solve(ch) {
    var subtle = window.crypto && window.crypto.subtle;
    var encoder = new TextEncoder();
    for (var n = 0; n <= ch.maxnumber; n++) {
      var digest = subtle ?
        hex(await subtle.digest("SHA-256", encoder.encode(ch.salt + n))) : sha256Hex(ch.salt + n);
      if (digest === ch.challenge) {
        return btoa(JSON.stringify({algorithm: ch.algorithm, challenge: ch.challenge, number: n,
                                    salt: ch.salt, signature: ch.signature}));
      }
    }
    throw new Error("challenge not solved");
  }

  function reportForm(form) {
    var error = document.getElementById("report-error");
    var working = document.getElementById("report-working");
    var button = form.querySelector("button[type=submit]");
    function fail(message, field) {
      error.textContent = message;
      error.hidden = false;
      var input = field && form.querySelector("[name=" + field + "]");
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
    }
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      error.hidden = true;
      form.querySelectorAll("[aria-invalid]").forEach(function (el) {
        el.removeAttribute("aria-invalid");
      });
      var data = {};
      ["name", "resident_id", "phone", "township", "village", "description"].forEach(function (k) {
        data[k] = form.elements[k].value;
      });
      var risk = form.querySelector("input[name=risk_type]:checked");
      data.risk_type = risk ? risk.value : "";
      button.disabled = true;
      try {
        if (form.getAttribute("data-challenge") === "1") {
          working.hidden = false;
          var r = await fetch("/api/reports/challenge", {credentials: "omit"});
          if (!r.ok) { throw new Error((await r.json()).detail); }
          data.altcha = await solve(await r.json());
        }
        var answer = await fetch("/api/reports", {
          method: "POST", credentials: "omit", body: JSON.stringify(data),
          headers: {"Content-Type": "application/json"}});
        var body = await answer.json();
        if (answer.status === 201) {
          form.hidden = true;
          var done = document.getElementById("report-done");
          document.getElementById("receipt").textContent = body.receipt;
          document.getElementById("status-link").href =
            "/report/status?receipt=" + encodeURIComponent(body.receipt);
          done.hidden = false;
          done.scrollIntoView();
        } else {
          fail(body.detail || "提交没有成功，请稍后再试", body.field);
        }
      } catch (e) {
        fail("网络不通或验证没有完成，请稍后再试，或拨打热线");
      } finally {
        working.hidden = true;
        button.disabled = false;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(linkPlaces);
    var form = document.getElementById("report-form");
    if (form) { reportForm(form); }
  });
})();
