// RFC 9162 consistency proofs, checked in the browser with WebCrypto (no library).
// Progressive enhancement: the page already shows the server's own check; this script
// fetches each proof from the public endpoint and verifies it here, independently.
"use strict";

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

async function nodeHash(left, right) {
  const data = new Uint8Array(1 + left.length + right.length);
  data[0] = 1;
  data.set(left, 1);
  data.set(right, 1 + left.length);
  return sha256(data);
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function same(a, b) {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

async function verifyConsistency(size1, size2, proof, root1, root2) {
  if (size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && same(root1, root2);
  if (size1 === 0 || proof.length === 0) return false;
  const path = proof.slice();
  if ((size1 & (size1 - 1)) === 0) path.unshift(root1);
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn & 1) { fn >>= 1; sn >>= 1; }
  let fr = path[0];
  let sr = path[0];
  for (const item of path.slice(1)) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      fr = await nodeHash(item, fr);
      sr = await nodeHash(item, sr);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      sr = await nodeHash(sr, item);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && same(fr, root1) && same(sr, root2);
}

async function checkHistory() {
  const rows = Array.from(document.querySelectorAll("#heads tbody tr"));
  let previous = null;
  for (const row of rows) {
    const cell = row.querySelector(".browser-check");
    const size = Number(row.dataset.size);
    const root = fromBase64(row.dataset.root);
    if (previous === null) {
      cell.textContent = "—";
    } else {
      cell.textContent = cell.dataset.pending;
      try {
        const answer = await fetch(`/log/proof/consistency?from=${previous.size}&to=${size}`);
        const body = await answer.json();
        const ok = answer.ok && await verifyConsistency(
          previous.size, size, body.proof.map(fromBase64), previous.root, root);
        cell.textContent = ok ? cell.dataset.ok : cell.dataset.bad;
        cell.classList.add(ok ? "ok" : "bad");
      } catch (error) {
        cell.textContent = cell.dataset.bad;
        cell.classList.add("bad");
      }
    }
    previous = { size, root };
  }
  document.body.dataset.browserCheck = "done";
}

document.addEventListener("DOMContentLoaded", checkHistory);
