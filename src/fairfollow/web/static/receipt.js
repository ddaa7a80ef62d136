// Release receipts (C2SP tlog-proof) checked in the browser with WebCrypto (no library):
// the checkpoint's Ed25519 signature by the log's key shown on the page, the RFC 9162
// inclusion proof of the enclosed leaf under the signed root, and that the leaf is this
// release's entry. Uses sha256, nodeHash, fromBase64 and same from merkle.js.
// Progressive enhancement: without JavaScript the receipt downloads and
// `fairfollow log verify-receipt` checks it offline.
"use strict";

const EM_DASH = "\u2014 ";

function parseReceipt(text) {
  const split = text.indexOf("\n\n");
  if (split < 0) throw new Error("no checkpoint");
  const head = text.slice(0, split).split("\n");
  const note = text.slice(split + 2);
  if (head[0] !== "c2sp.org/tlog-proof@v1") throw new Error("not a receipt");
  if (!head[1].startsWith("extra ") || !head[2].startsWith("index ")) throw new Error("bad head");
  const index = Number(head[2].slice(6));
  if (!Number.isSafeInteger(index) || index < 0) throw new Error("bad index");
  return {
    leaf: fromBase64(head[1].slice(6)),
    index,
    proof: head.slice(3).map(fromBase64),
    note,
  };
}

function parseNote(note) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new Error("unsigned note");
  const text = note.slice(0, split + 1);
  const lines = text.split("\n");
  const signatures = note.slice(split + 2).split("\n").filter((l) => l.startsWith(EM_DASH));
  return { text, origin: lines[0], size: Number(lines[1]), root: fromBase64(lines[2]), signatures };
}

async function leafHash(leaf) {
  const data = new Uint8Array(1 + leaf.length);
  data[0] = 0;
  data.set(leaf, 1);
  return sha256(data);
}

async function verifyInclusion(index, size, proof, hash, root) {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = hash;
  for (const p of proof) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      r = await nodeHash(p, r);
      if (!(fn & 1)) {
        while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && same(r, root);
}

async function verifySignature(parsed, vkey) {
  // name+keyid+base64: the base64 part may itself hold "+"
  const [name, keyId, ...rest] = vkey.split("+");
  const blob = rest.join("+");
  const raw = fromBase64(blob);
  if (raw[0] !== 1 || raw.length !== 33) return false;
  const wanted = Uint8Array.from(keyId.match(/../g).map((h) => parseInt(h, 16)));
  for (const line of parsed.signatures) {
    const [signer, sig] = line.slice(EM_DASH.length).split(" ");
    const bytes = fromBase64(sig);
    if (signer !== name || !same(bytes.slice(0, 4), wanted)) continue;
    const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    const message = new TextEncoder().encode(parsed.text);
    if (await crypto.subtle.verify({ name: "Ed25519" }, key, bytes.slice(4), message)) return true;
  }
  return false;
}

async function checkReceipt(row, vkey) {
  const answer = await fetch(row.dataset.receipt, { credentials: "same-origin" });
  if (!answer.ok) return false;
  const receipt = parseReceipt(await answer.text());
  const note = parseNote(receipt.note);
  if (receipt.index !== Number(row.dataset.index)) return false;
  const entry = JSON.parse(new TextDecoder().decode(receipt.leaf));
  if (entry.index !== receipt.index || entry.ref !== `dec-${row.dataset.decision}`) return false;
  if (!(await verifySignature(note, vkey))) return false;
  return verifyInclusion(receipt.index, note.size, receipt.proof, await leafHash(receipt.leaf), note.root);
}

async function checkRow(row, vkey) {
  const cell = row.querySelector(".browser-check");
  const verdict = cell.querySelector(".verdict");
  verdict.textContent = cell.dataset.pending;
  cell.classList.remove("ok", "bad");
  let ok = false;
  try {
    ok = await checkReceipt(row, vkey);
  } catch (error) {
    ok = false;
  }
  verdict.textContent = ok ? cell.dataset.ok : cell.dataset.bad;
  cell.classList.add(ok ? "ok" : "bad");
  row.dataset.verified = ok ? "yes" : "no";
}

function enable() {
  const table = document.getElementById("releases");
  if (!table) return;
  const vkey = table.dataset.key;
  for (const row of table.querySelectorAll("tbody tr[data-index]")) {
    if (row.dataset.index === "") continue;
    const button = row.querySelector("button.verify");
    const verdict = row.querySelector(".verdict");
    verdict.textContent = "";
    button.hidden = false;
    button.addEventListener("click", () => checkRow(row, vkey));
  }
  document.body.dataset.receiptCheck = "ready";
}

document.addEventListener("DOMContentLoaded", enable);
