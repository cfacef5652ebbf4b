// Earnest web app, trust parts: the session's CSRF header, sign-in and sign-out, the
// collection an upload joins, and an answer's lineage. Loaded before app.js; both share the
// page's global scope ($, el, api, state are app.js's).
"use strict";

// The session's CSRF token (a cookie the server set at sign-in), sent as a header on every
// request that changes something: a page of another site can neither read nor send it.
function csrfHeaders(headers = {}) {
  const match = document.cookie.match(/(?:^|;\s*)earnest_csrf=([^;]+)/);
  return match ? { ...headers, "X-CSRF-Token": decodeURIComponent(match[1]) } : headers;
}

// The collections an upload may join: the key's grant, or (every collection) those the
// library has plus "default".
function fillCollections() {
  const select = $("#upload-collection");
  const granted = state.who && state.who.collections;
  const names = granted ? [...granted] :
    [...new Set(["default", ...state.docs.map((d) => d.collection)])].sort();
  const current = select.value;
  select.replaceChildren(...names.map((n) => el("option", { value: n }, n)));
  if (names.includes(current)) select.value = current;
}

// ---- sign-in (when the server needs a key) -----------------------------------------------
function showSignIn(message = "") {
  $("#signin").hidden = false;
  $("#view-ask").hidden = true;
  $("#view-library").hidden = true;
  // Nothing read with the last key stays on the page.
  state.docs = [];
  renderDocs();
  resetAnswer();
  $("#answer").hidden = true;
  $("#viewer").hidden = true;
  $("#stats").textContent = "";
  $("#signin-error").textContent = message;
  $("#whoami").replaceChildren();
  $("#signin-key").focus();
}

async function checkSession() {
  try {
    const who = await api("/v1/session");
    $("#signin").hidden = true;
    state.who = who;
    const label = who.auth ? `${who.name || who.key_id} (${who.role})` : "";
    $("#whoami").replaceChildren(label, who.auth ? el("button", { type: "button",
      class: "ghost", id: "signout", onclick: signOut }, "Sign out") : "");
    return true;
  } catch (error) {
    if (error.code !== "unauthorized") return true;
    showSignIn();
    return false;
  }
}

async function signIn(event) {
  event.preventDefault();
  try {
    await api("/v1/session", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ key: $("#signin-key").value.trim() }) });
    $("#signin-key").value = "";
    await start();
  } catch (error) {
    showSignIn(error.message);
  }
}

async function signOut() {
  await api("/v1/session", { method: "DELETE" }).catch(() => null);
  showSignIn("Signed out.");
}

// Lineage: for each sentence, the cited chunk -> page and span -> document -> the embedding
// model and index it was retrieved with, and the scores that ranked it.
async function loadLineage(answerId) {
  const box = el("section", { id: "lineage", class: "lineage", "aria-label": "Lineage" },
    el("h3", { class: "h3" }, "Lineage"), el("p", { class: "muted" }, `Answer ${answerId}`));
  $("#details-body").append(box);
  let data;
  try {
    data = await api(`/v1/answers/${enc(answerId)}/lineage`);
  } catch (error) {
    box.append(el("p", { class: "muted" }, `No lineage: ${error.message}`));
    return;
  }
  if (data.erased) {
    box.append(el("p", {}, data.note));
    return;
  }
  const list = el("ol", { class: "lineage-sentences" });
  for (const s of data.sentences) {
    const links = s.citations.map((c) => {
      const d = c.document || {};
      const r = c.retrieval || {};
      const dense = r.dense_score === null || r.dense_score === undefined ? "–" :
        Number(r.dense_score).toFixed(3);
      return el("li", { class: "lineage-link", "data-chunk": c.chunk_id },
        el("span", {}, `[${c.number}] chunk ${c.chunk_id} → p. ${c.page}, characters ` +
          `${c.char_start}–${c.char_end} → ${d.doc_name}`),
        el("span", { class: "muted" }, ` (file ${d.file_name}, sha256 ` +
          `${String(d.content_sha256 || "").slice(0, 12)}…, collection ${d.collection}, ` +
          `added ${d.added_at} by ${d.added_by}, ${d.extractor})`),
        el("span", { class: "muted lineage-retrieval" }, ` → ${r.embedder}, index ${r.index}, ` +
          `${r.mode} rank ${r.rank}, score ${Number(r.score).toFixed(3)}, dense ${dense}`));
    });
    list.append(el("li", {}, el("span", { class: "lineage-text" }, s.text),
      el("ul", {}, links)));
  }
  box.append(list);
}
