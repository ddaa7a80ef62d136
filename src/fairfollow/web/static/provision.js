// A member's provision proof, checked in the browser with WebCrypto (no library), with the
// proof and the log's public key only: the Ed25519 signature of the checkpoint (C2SP signed
// note), the release leaf's RFC 9162 inclusion under the signed root, the member's token
// HMAC-SHA256(secret, salt), and its inclusion (or the bracketing leaves of its absence)
// under the release's commitment. Uses sha256, nodeHash, fromBase64 and same from merkle.js.
// Progressive enhancement: the page already shows the server's own check.
"use strict";

function fromHex(text) {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error("not hex");
  return Uint8Array.from(text.match(/../g) || [], (h) => parseInt(h, 16));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

function before(a, b) {  // a < b, bytewise
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return a.length < b.length;
}

async function leafHash(bytes) {
  return sha256(concat(new Uint8Array([0]), bytes));
}

// RFC 9162 section 2.1.3.2, as tlog/merkle.py verify_inclusion.
async function verifyInclusion(hash, index, size, proof, root) {
  if (!(index >= 0 && index < size)) return false;
  let fn = index;
  let sn = size - 1;
  let acc = hash;
  for (const sibling of proof) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      acc = await nodeHash(sibling, acc);
      while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      acc = await nodeHash(acc, sibling);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && same(acc, root);
}

async function checkSignature(note, logKey) {
  const [name, keyHash, ...rest] = logKey.split("+");  // base64 may hold "+" too
  const blob = rest.join("+");
  const raw = fromBase64(blob);
  if (raw[0] !== 1) return null;
  const split = note.lastIndexOf("\n\n");
  const text = note.slice(0, split + 1);
  const lines = note.slice(split + 2).split("\n").filter((l) => l);
  const expected = fromHex(keyHash);
  const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
  for (const line of lines) {
    const [dash, signer, signature] = line.split(" ");
    if (dash !== "\u2014" || signer !== name) continue;
    const bytes = fromBase64(signature);
    if (!same(bytes.slice(0, 4), expected)) continue;
    const ok = await crypto.subtle.verify(
      { name: "Ed25519" }, key, bytes.slice(4), new TextEncoder().encode(text));
    return ok ? { name, body: text } : null;
  }
  return null;
}

async function checkMemberProof(payload, logKey) {
  const steps = [false, false, false];
  const receipt = payload.log_receipt;
  const cut = receipt.indexOf("\n\n");
  const head = receipt.slice(0, cut).split("\n");
  const note = receipt.slice(cut + 2);
  const signed = await checkSignature(note, logKey);
  if (signed === null) return { steps, ok: false };
  steps[0] = true;
  const [origin, sizeLine, rootLine] = signed.body.split("\n");
  if (origin !== signed.name || head[0] !== "c2sp.org/tlog-proof@v1") return { steps, ok: false };
  const leaf = fromBase64(head[1].replace(/^extra /, ""));
  const index = Number(head[2].replace(/^index /, ""));
  const proof = head.slice(3).map(fromBase64);
  const size = Number(sizeLine);
  steps[1] = await verifyInclusion(await leafHash(leaf), index, size, proof, fromBase64(rootLine));
  const record = JSON.parse(new TextDecoder().decode(leaf));
  const members = record.body.members;
  if (!steps[1] || record.index !== index || !members
      || record.body.decision_id !== payload.release.decision_id) return { steps, ok: false };
  const hmacKey = await crypto.subtle.importKey(
    "raw", fromHex(payload.member_secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const token = new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, fromHex(members.salt)));
  const claim = payload.member_proof;
  const root = fromHex(members.root);
  let under = claim.size === members.size;
  for (const item of claim.leaves) {
    const hashes = item.proof.map(fromHex);
    under = under && await verifyInclusion(
      await leafHash(fromHex(item.token)), item.index, members.size, hashes, root);
  }
  const leaves = claim.leaves.map((l) => ({ index: l.index, token: fromHex(l.token) }));
  let placed = false;
  if (claim.included) {
    placed = leaves.length === 1 && same(leaves[0].token, token);
  } else if (leaves.length === 2) {
    const [low, high] = leaves;
    placed = high.index === low.index + 1 && before(low.token, token) && before(token, high.token);
  } else if (leaves.length === 1) {
    const edge = leaves[0];
    placed = (edge.index === 0 && before(token, edge.token))
      || (edge.index === members.size - 1 && before(edge.token, token));
  }
  steps[2] = under && placed;
  return { steps, ok: steps.every((s) => s), included: claim.included };
}

async function checkPage() {
  const cell = document.getElementById("browser-check");
  const list = document.getElementById("browser-steps");
  cell.textContent = cell.dataset.pending;
  let result = { steps: [false, false, false], ok: false };
  try {
    const payload = JSON.parse(JSON.parse(document.getElementById("member-proof").textContent));
    const logKey = JSON.parse(document.getElementById("log-key").textContent);
    result = await checkMemberProof(payload, logKey);
  } catch (error) {
    result.ok = false;
  }
  const names = list.dataset.steps.split("|");
  names.forEach((name, i) => {
    const item = document.createElement("li");
    item.textContent = `${name}: ${result.steps[i] ? "\u2713" : "\u2717"}`;
    item.className = result.steps[i] ? "ok" : "bad";
    list.appendChild(item);
  });
  if (result.ok) {
    cell.textContent = result.included ? cell.dataset.okIn : cell.dataset.okOut;
  } else {
    cell.textContent = cell.dataset.bad;
  }
  cell.className = result.ok ? "ok" : "bad";
  document.body.dataset.memberCheck = result.ok ? "verified" : "failed";
}

document.addEventListener("DOMContentLoaded", checkPage);
