// Earnest web app: plain JavaScript over the /v1 HTTP API (no build step, no CDN).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const enc = encodeURIComponent;
const state = { docs: [], info: null, citations: {}, answer: null, viewer: null, zoom: 1,
  asText: false };
const ZOOMS = [1, 1.5, 2, 3];
const oneColumn = () => window.matchMedia("(max-width: 900px)").matches;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;  // CSP forbids style attributes
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

async function api(path, options = {}) {
  const method = (options.method || "GET").toUpperCase();
  if (method !== "GET") options = { ...options, headers: csrfHeaders(options.headers || {}) };
  const response = await fetch(path, options);
  if (response.status === 204) return null;
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && path !== "/v1/session") showSignIn();
    const error = new Error((body.error && body.error.message) || response.statusText);
    error.code = body.error && body.error.code;
    throw error;
  }
  return body;
}

async function start() {
  if (!(await checkSession())) return;
  $("#signin").hidden = true;
  route();
  loadDocs();
  loadInfo();
}

// ---- navigation -------------------------------------------------------------------------
function route() {
  if (!$("#signin").hidden) return; // signed out: nothing to show until signed in
  const view = location.hash === "#library" ? "library" : "ask";
  $("#view-ask").hidden = view !== "ask";
  $("#view-library").hidden = view !== "library";
  $("#nav-ask").setAttribute("aria-current", view === "ask" ? "page" : "false");
  $("#nav-library").setAttribute("aria-current", view === "library" ? "page" : "false");
  if (view === "library") loadDocs();
  else $("#question").focus();
}

// ---- library data shared by both pages --------------------------------------------------
async function loadDocs() {
  try {
    const data = await api("/v1/documents");
    state.docs = data.documents;
    const s = data.stats;
    $("#stats").textContent = `${s.documents} documents · ${s.pages} pages · ${s.chunks} chunks` +
      (s.embedded < s.chunks ? ` · embedding ${s.embedded}/${s.chunks}` : "");
    renderDocs();
    fillFilters();
    fillCollections();
  } catch (error) {
    $("#stats").textContent = `Library unavailable: ${error.message}`;
  }
}

function fillFilters() {
  const keep = (select, values) => {
    const current = select.value;
    select.replaceChildren(select.options[0]);
    for (const value of values) select.append(el("option", { value }, value));
    select.value = values.includes(current) ? current : "";
  };
  const meta = state.docs.map((d) => d.metadata || {});
  keep($("#f-company"), [...new Set(meta.map((m) => m.company).filter(Boolean))].sort());
  keep($("#f-year"), [...new Set(meta.map((m) => m.fiscal_year).filter(Boolean).map(String))]
    .sort().reverse());
}

async function loadInfo() {
  try {
    state.info = await api("/v1/info");
  } catch (error) {
    state.info = null;
  }
  const info = state.info || {};
  $("#llm-toggle").hidden = !(info.llm && info.llm.configured);
  if (info.llm && info.llm.configured) {
    $("#f-llm").checked = Boolean(info.llm.default);
    $("#llm-toggle").title = `Model: ${info.llm.model}`;
  }
  if (info.limits) {
    $("#limits").textContent = `Up to ${info.limits.max_file_mb} MB per file, ` +
      `${info.limits.max_upload_files} files at a time.`;
  }
}

// ---- ask ----------------------------------------------------------------------------------
function currentFilters() {
  const filters = {};
  const put = (key, value, number) => {
    if (value) filters[key] = [number ? Number(value) : value];
  };
  put("company", $("#f-company").value);
  put("fiscal_year", $("#f-year").value, true);
  put("fiscal_quarter", $("#f-quarter").value, true);
  put("doc_type", $("#f-type").value);
  put("roles", $("#f-role").value);
  return filters;
}

function resetAnswer() {
  state.citations = {};
  state.answer = null;
  state.tokens = 0;
  $("#answer").hidden = false;
  $("#answer").classList.add("busy");
  $("#answer-status").textContent = "";
  $("#answer-status").className = "status";
  $("#draft").textContent = "";
  $("#draft").hidden = true;
  $("#answer-text").replaceChildren();
  $("#answer-notes").replaceChildren();
  $("#sources").replaceChildren();
  $("#details-body").replaceChildren();
  $("#understood").replaceChildren();
}

async function ask(question) {
  resetAnswer();
  window.earnestEvents = [];
  const body = { question, filters: currentFilters(), stream: true };
  if (state.info && state.info.llm && state.info.llm.configured) body.include_tokens = true;
  if (!$("#llm-toggle").hidden) body.llm = $("#f-llm").checked;
  $("#ask-button").disabled = true;
  $("#progress").textContent = "Asking…";
  try {
    const response = await fetch("/v1/ask", {
      method: "POST",
      headers: csrfHeaders({ "Content-Type": "application/json", Accept: "text/event-stream" }),
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error((data.error && data.error.message) || response.statusText);
    }
    await readEvents(response, handleEvent);
  } catch (error) {
    showError(error.message);
  } finally {
    $("#ask-button").disabled = false;
    $("#answer").classList.remove("busy");
  }
}

async function readEvents(response, handler) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    // Lines may end in CRLF, CR or LF (the SSE spec); a CR at the end may be half a CRLF.
    buffer = buffer.replace(done ? /\r\n?/g : /\r\n|\r(?=.)/gs, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let kind = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) kind = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) handler(kind, JSON.parse(data.join("\n")));
    }
    if (done) return;
  }
}

function handleEvent(kind, data) {
  window.earnestEvents.push(kind); // read by the browser tests to see the stream's order
  switch (kind) {
    case "stage":
      $("#progress").textContent = data.status === "started"
        ? (data.stage === "retrieve" ? "Finding evidence…" : `Answering (${data.answerer})…`)
        : `${data.stage} done in ${Math.round(data.ms)} ms`;
      break;
    case "understanding":
      renderUnderstanding(data);
      break;
    case "token":
      // The model's raw words are not shown: a sentence appears only once it is checked
      // against its sources. Only the progress is.
      state.tokens = (state.tokens || 0) + 1;
      $("#draft").hidden = false;
      $("#draft").textContent = `The model is writing (${state.tokens} tokens so far); each ` +
        "sentence appears once it is checked against its sources.";
      break;
    case "sentence":
      addSentence(data);
      break;
    case "notice":
      $("#answer-notes").append(el("p", { class: "notice" }, data.message));
      break;
    case "answer":
      finishAnswer(data);
      break;
    case "error":
      showError(data.message);
      break;
    default:
      break;
  }
}

function showError(message) {
  $("#answer").hidden = false;
  $("#progress").textContent = "";
  $("#answer-status").className = "status error";
  $("#answer-status").textContent = message;
}

function chip(number) {
  return el("button", {
    type: "button", class: "chip", "data-citation": number,
    "aria-label": `Open source ${number}`, onclick: () => openCitation(number),
  }, String(number));
}

function addSentence(sentence) {
  if (sentence.status === "removed" || sentence.status === "abstention") return;
  const status = sentence.status || "quoted";
  const span = el("span", { class: `sentence ${status}` }, sentence.text, " ",
    (sentence.citations || []).map(chip));
  if (status === "flagged") {
    const why = (sentence.issues || []).map((i) => i.message || i.code).join("; ");
    span.append(el("span", { class: "flag", title: why }, "unverified"));
  }
  for (const number of sentence.numbers || []) {
    if (number.computation) {
      span.append(el("span", { class: "computation", title: "recomputed by Earnest" },
        number.computation));
    }
  }
  $("#answer-text").append(span, " ");
}

function finishAnswer(answer) {
  state.answer = answer;
  $("#progress").textContent = "";
  $("#draft").hidden = true;
  for (const c of answer.citations) state.citations[c.number] = c;
  const label = { answered: "Answer", not_found: "Not found in your documents",
    empty_library: "The library is empty" }[answer.status] || answer.status;
  $("#answer-status").className = `status ${answer.status}`;
  $("#answer-status").textContent = label;
  $("#answer-text").replaceChildren();
  if (answer.status === "answered") {
    for (const sentence of answer.sentences) addSentence(sentence);
  } else {
    $("#answer-text").append(el("p", {}, answer.answer));
  }
  for (const note of answer.notes || []) {
    $("#answer-notes").append(el("p", { class: "note" }, note));
  }
  const v = answer.verification;
  if (v && (v.flagged || v.removed)) {
    $("#answer-notes").append(el("p", { class: "notice" },
      `${v.flagged || 0} sentence(s) flagged and ${v.removed || 0} removed as unsupported ` +
      "by the cited sources."));
  }
  renderSources(answer);
  renderDetails(answer);
}

function where(c) {
  const parts = [`${c.doc_name}, p. ${c.page}`];
  if (c.speaker) parts.push(c.speaker);
  if (c.section) parts.push(c.section);
  return parts.join(" · ");
}

function renderSources(answer) {
  const list = $("#sources");
  list.replaceChildren();
  if (answer.citations.length) {
    for (const c of answer.citations) {
      list.append(el("li", { value: c.number },
        el("button", { type: "button", class: "source", onclick: () => openCitation(c.number) },
          el("span", { class: "where" }, where(c)),
          c.columns ? el("span", { class: "muted" }, ` columns: ${c.columns}`) : null,
          el("q", {}, c.quote))));
    }
    return;
  }
  // Not found: the closest passages, so the user can judge for themselves.
  answer.passages.slice(0, 5).forEach((p, i) => {
    const c = { doc_name: p.doc_name, page: p.page_start, quote: p.text.slice(0, 400),
      char_start: p.char_start, char_end: p.char_start + Math.min(p.text.length, 400),
      speaker: p.speaker, section: p.section };
    state.citations[`p${i}`] = c;
    list.append(el("li", {}, el("button", { type: "button", class: "source",
      onclick: () => openCitation(`p${i}`) }, el("span", { class: "where" }, where(c)),
      el("q", {}, c.quote))));
  });
}

function renderDetails(answer) {
  const body = $("#details-body");
  const rows = Object.entries(answer.timings_ms || {}).map(([stage, ms]) =>
    el("tr", {}, el("th", {}, stage), el("td", { class: "num" }, `${ms} ms`)));
  body.append(el("table", { class: "timings" },
    el("caption", {}, "Timings per stage"), el("tbody", {}, rows)));
  const u = answer.usage;
  if (u) {
    body.append(el("p", { class: "usage" },
      `${u.model || "LLM"}: ${u.prompt_tokens} prompt + ${u.completion_tokens} completion ` +
      `tokens${u.estimated ? " (estimated)" : ""}, cost $${Number(u.cost_usd || 0).toFixed(5)}` +
      (u.ttft_ms !== undefined ? `, first token after ${Math.round(u.ttft_ms)} ms` : "")));
  }
  const v = answer.verification;
  if (v) {
    body.append(el("p", {}, `Verification: ${v.verified}/${v.sentences} sentences verified, ` +
      `${v.flagged} flagged, ${v.removed} removed; ${v.unsupported_numbers} unsupported ` +
      "number(s) caught."));
  }
  const lv = answer.library_version || {};
  body.append(el("p", { class: "muted" }, `Answerer ${answer.answerer}, retrieval ` +
    `${answer.retrieval_mode}, library generation ${lv.generation}, index ${lv.index}.`));
  if (answer.answer_id) loadLineage(answer.answer_id);
}

function renderUnderstanding(u) {
  const box = $("#understood");
  box.replaceChildren();
  const items = [];
  for (const doc of u.documents || []) items.push(["document", doc]);
  for (const company of u.companies || []) items.push(["company", company]);
  for (const year of u.years || []) items.push(["year", year]);
  if (u.quarter) items.push(["quarter", `Q${u.quarter}`]);
  for (const type of u.doc_types || []) items.push(["type", type]);
  for (const cue of u.speakers || []) {
    items.push(["speaker", cue.split("|")[0].replace(/\\b/g, "").toUpperCase()]);
  }
  if (u.latest) items.push(["period", "latest"]);
  for (const statement of u.statements || []) items.push(["statement", statement]);
  const wanted = { cause: "causes", comparison: "a comparison", trend: "a trend",
    figure: "a figure" }[u.intent] || (u.wants_cause ? "causes" : "");
  if (wanted) items.push(["looking for", wanted]);
  for (const [key, values] of Object.entries(u.filters || {})) {
    items.push([`filter ${key}`, [].concat(values).join(", ")]);
  }
  if (!items.length) return;
  box.append(el("span", { class: "muted" }, "Understood: "),
    ...items.map(([k, v]) => el("span", { class: "tag" }, el("b", {}, `${k} `), String(v))));
  for (const note of u.notes || []) box.append(el("div", { class: "muted" }, note));
}

// ---- evidence viewer ------------------------------------------------------------------
async function docInfo(name) {
  let doc = state.docs.find((d) => d.doc_name === name);
  if (!doc) {
    doc = await api(`/v1/documents/${enc(name)}`);
    state.docs.push(doc);
  }
  return doc;
}

async function openCitation(number) {
  const c = state.citations[number];
  if (!c) return;
  document.querySelectorAll(".chip.active").forEach((n) => n.classList.remove("active"));
  document.querySelectorAll(`.chip[data-citation="${number}"]`)
    .forEach((n) => n.classList.add("active"));
  const doc = await docInfo(c.doc_name).catch((error) => ({ error }));
  if (doc.error) {
    showViewerError(c, doc.error.message);
    return;
  }
  state.viewer = { c, doc, page: c.page };
  $("#viewer").hidden = false;
  $("#viewer-title").textContent = `${c.doc_name}`;
  const meta = [doc.metadata.company, doc.metadata.fiscal_period, c.speaker, c.section]
    .filter(Boolean);
  $("#viewer-meta").textContent = meta.join(" · ");
  $("#viewer-quote").textContent = c.quote;
  $("#viewer-download").href = `/v1/documents/${enc(c.doc_name)}/file`;
  // On one column the viewer sits below the sources: bring its top to the top of the screen,
  // again once the page image has loaded (it makes the viewer taller).
  state.viewer.reveal = true;
  await showPage(c.page);
  revealViewer();
  $("#viewer-page").focus({ preventScroll: true }); // keyboard users land on the evidence
}

function revealViewer() {
  $("#viewer").scrollIntoView({ block: oneColumn() ? "start" : "nearest" });
}

function setZoom(step) {
  const at = Math.max(0, Math.min(ZOOMS.length - 1, ZOOMS.indexOf(state.zoom) + step));
  state.zoom = ZOOMS[at];
  if (state.viewer) showPage(state.viewer.page);
}

function setTextView(on) {
  state.asText = on;
  if (state.viewer) showPage(state.viewer.page);
}

function showText(box, data) {
  const text = data.text;
  const span = data.highlight;
  const pre = el("div", { class: "page-text" });
  pre.style.fontSize = `${0.9 * state.zoom}rem`;
  if (span) {
    pre.append(text.slice(0, span[0]), el("mark", {}, text.slice(span[0], span[1])),
      text.slice(span[1]));
  } else {
    pre.append(text);
  }
  box.replaceChildren(pre);
  const mark = pre.querySelector("mark");
  if (mark) box.scrollTop = mark.offsetTop - box.clientHeight / 3;
}

function showViewerError(c, message) {
  $("#viewer").hidden = false;
  $("#viewer-title").textContent = c.doc_name;
  $("#viewer-page").replaceChildren(el("p", { class: "error" }, message));
}

async function showPage(page) {
  const { c, doc } = state.viewer;
  state.viewer.page = page;
  $("#page-label").textContent = `page ${page} of ${doc.page_count}`;
  $("#page-prev").disabled = page <= 1;
  $("#page-next").disabled = page >= doc.page_count;
  const onCited = page === c.page;
  const params = onCited
    ? `?quote=${enc(c.quote)}&start=${c.char_start}&end=${c.char_end}` : "";
  const base = `/v1/documents/${enc(c.doc_name)}/pages/${page}`;
  const box = $("#viewer-page");
  const asImage = doc.file_type === "pdf" && !state.asText;
  $("#zoom-label").textContent = `${Math.round(state.zoom * 100)}%`;
  $("#zoom-out").disabled = state.zoom <= ZOOMS[0];
  $("#zoom-in").disabled = state.zoom >= ZOOMS[ZOOMS.length - 1];
  $("#view-text").hidden = doc.file_type !== "pdf";
  $("#view-text").setAttribute("aria-pressed", String(!asImage));
  $("#view-text").textContent = asImage ? "Text" : "Image";
  box.replaceChildren(el("p", { class: "muted" }, "Loading page…"));
  try {
    if (asImage) {
      const found = onCited ? await api(`${base}/highlights${params}`) : { boxes: [] };
      // Rendered sharper as it is zoomed (the server's scale is 1.5 by default, 4 at most).
      const scale = Math.min(4, 1.5 * Math.max(1, state.zoom));
      const sep = params ? "&" : "?";
      const img = el("img", { src: `${base}/image${params}${sep}scale=${scale}`,
        class: "page-image",
        alt: `Page ${page} of ${c.doc_name}` + (onCited ? ", the quote highlighted" : "") });
      const frame = el("div", { class: "page-frame", style: `width:${state.zoom * 100}%` }, img,
        found.boxes.map((b) => el("div", { class: "hl", style:
          `left:${b.left * 100}%;top:${b.top * 100}%;width:${(b.right - b.left) * 100}%;` +
          `height:${(b.bottom - b.top) * 100}%` })));
      box.replaceChildren(frame);
      if (onCited && !found.boxes.length) {
        box.prepend(el("p", { class: "notice" }, "The quote could not be located on the page image."));
      }
      img.addEventListener("load", () => {
        if (state.viewer.reveal) {
          state.viewer.reveal = false;
          revealViewer();
        }
        const first = frame.querySelector(".hl");
        if (first) {
          box.scrollTop = first.offsetTop - box.clientHeight / 3;
          box.scrollLeft = first.offsetLeft - box.clientWidth / 4;
        }
      });
    } else {
      showText(box, await api(`${base}${params}`));
    }
  } catch (error) {
    box.replaceChildren(el("p", { class: "error" }, error.message));
  }
}

// ---- library page ---------------------------------------------------------------------
function period(m, corrected = {}) {
  // A corrected year or quarter wins over the period text extracted with the old values.
  const stale = ("fiscal_year" in corrected || "fiscal_quarter" in corrected) &&
    !("fiscal_period" in corrected);
  return (!stale && m.fiscal_period) || [m.fiscal_quarter ? `Q${m.fiscal_quarter}` : "",
    m.fiscal_year ? `FY${m.fiscal_year}` : ""].join(" ").trim();
}

function renderDocs() {
  const body = $("#docs tbody");
  body.replaceChildren();
  $("#docs-empty").hidden = state.docs.length > 0;
  for (const d of state.docs) {
    const m = d.metadata || {};
    const status = d.status === "ready" ? "ready" : `embedding ${d.embedded_count}/${d.chunk_count}`;
    const cell = (label, value, cls) => el("td", { "data-label": label, class: cls }, value);
    body.append(el("tr", { "data-doc": d.doc_name },
      cell("Document", d.doc_name, "doc-name"),
      cell("Company", m.company || ""), cell("Type", (m.doc_type || "").replace("_", " ")),
      cell("Period", period(m, d.corrections || {})), cell("Pages", d.page_count, "num"),
      cell("Chunks", d.chunk_count, "num"), cell("Status", status, `st ${d.status}`),
      cell("Collection", d.collection || ""),
      el("td", { class: "actions" },
        el("button", { type: "button", class: "ghost", onclick: () => editDoc(d),
          "aria-label": `Edit metadata of ${d.doc_name}` }, "Edit"),
        el("button", { type: "button", class: "ghost danger", onclick: () => deleteDoc(d),
          "aria-label": `Delete ${d.doc_name}` }, "Delete"))));
  }
}

async function deleteDoc(doc) {
  if (!window.confirm(`Delete ${doc.doc_name} from the library?`)) return;
  try {
    await api(`/v1/documents/${enc(doc.doc_name)}`, { method: "DELETE" });
  } catch (error) {
    window.alert(error.message);
  }
  await loadDocs();
}

function editDoc(doc) {
  const form = $("#edit-form");
  const m = doc.metadata || {};
  form.dataset.doc = doc.doc_name;
  $("#edit-doc").textContent = doc.doc_name;
  $("#edit-error").textContent = "";
  for (const input of form.querySelectorAll("input, select")) {
    input.value = m[input.name] === undefined || m[input.name] === null ? "" : m[input.name];
  }
  $("#edit-dialog").showModal();
}

async function saveEdit(event) {
  event.preventDefault();
  const form = $("#edit-form");
  const doc = state.docs.find((d) => d.doc_name === form.dataset.doc);
  const m = (doc && doc.metadata) || {};
  const changes = {};
  for (const input of form.querySelectorAll("input, select")) {
    const before = m[input.name] === undefined || m[input.name] === null ? "" : String(m[input.name]);
    if (input.value === before) continue;
    changes[input.name] = input.value === "" ? null
      : input.type === "number" ? Number(input.value) : input.value;
  }
  if (!Object.keys(changes).length) {
    $("#edit-dialog").close();
    return;
  }
  try {
    await api(`/v1/documents/${enc(form.dataset.doc)}`, {
      method: "PATCH", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(changes),
    });
    $("#edit-dialog").close();
    await loadDocs();
  } catch (error) {
    $("#edit-error").textContent = error.message;
  }
}

function uploadFiles(files) {
  for (const file of files) uploadOne(file);
}

function uploadOne(file) {
  const bar = el("progress", { max: 100, value: 0 });
  const status = el("span", { class: "up-status" }, "uploading");
  const item = el("li", { class: "upload", "data-file": file.name },
    el("span", { class: "up-name" }, file.name), bar, status);
  $("#uploads").prepend(item);
  const form = new FormData();
  form.append("files", file, file.name);
  const xhr = new XMLHttpRequest();
  const query = new URLSearchParams();
  if ($("#replace").checked) query.set("replace", "true");
  if ($("#upload-collection").value) query.set("collection", $("#upload-collection").value);
  xhr.open("POST", `/v1/documents?${query}`);
  for (const [name, value] of Object.entries(csrfHeaders())) xhr.setRequestHeader(name, value);
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) bar.value = (50 * e.loaded) / e.total;
  };
  xhr.onerror = () => finish("failed", "the upload did not reach the server");
  xhr.onload = () => {
    let body = {};
    try { body = JSON.parse(xhr.responseText); } catch (error) { body = {}; }
    if (xhr.status !== 202) {
      finish("failed", (body.error && body.error.message) || `HTTP ${xhr.status}`);
      return;
    }
    bar.value = 50;
    poll(body.id);
  };
  xhr.send(form);

  function finish(kind, message) {
    item.classList.add(kind);
    status.textContent = kind === "failed" ? `failed: ${message}` : message;
    bar.value = 100;
    bar.hidden = kind === "failed"; // a full bar would say it went well
    if (kind !== "failed") loadDocs();
  }

  async function poll(jobId) {
    try {
      const job = await api(`/v1/jobs/${enc(jobId)}`);
      const f = job.files[0];
      if (f.status === "failed") return finish("failed", f.error);
      if (f.status === "cancelled") return finish("failed", "cancelled");
      if (f.status === "done") return finish("done", `ingested: ${f.pages} pages, ${f.chunks} chunks`);
      if (f.status === "unchanged") {
        return finish("done", f.note ? `already in the library (${f.note})` : "already in the library");
      }
      if (f.status === "embedding") {
        bar.value = 60 + (40 * f.embedded) / Math.max(1, f.chunks);
        status.textContent = `embedding ${f.embedded}/${f.chunks} (searchable by keyword now)`;
        loadDocs();
      } else {
        status.textContent = f.status;
      }
      setTimeout(() => poll(jobId), 600);
    } catch (error) {
      finish("failed", error.message);
    }
  }
}

// ---- wiring -----------------------------------------------------------------------------
function wire() {
  $("#ask-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const question = $("#question").value.trim();
    if (question) ask(question);
  });
  $("#viewer-close").addEventListener("click", () => { $("#viewer").hidden = true; });
  $("#page-prev").addEventListener("click", () => showPage(state.viewer.page - 1));
  $("#page-next").addEventListener("click", () => showPage(state.viewer.page + 1));
  $("#zoom-in").addEventListener("click", () => setZoom(1));
  $("#zoom-out").addEventListener("click", () => setZoom(-1));
  $("#view-text").addEventListener("click", () => setTextView(!state.asText));
  document.addEventListener("keydown", (e) => {
    const typing = ["INPUT", "TEXTAREA", "SELECT"].includes(document.activeElement.tagName);
    if ($("#edit-dialog").open) return; // the dialog has the keyboard
    if (e.key === "Escape" && !$("#viewer").hidden) {
      $("#viewer").hidden = true;
    } else if (e.key === "/" && !typing) {
      e.preventDefault();
      location.hash = "#ask";
      $("#question").focus();
    }
  });
  const zone = $("#dropzone");
  const input = $("#file-input");
  $("#choose-files").addEventListener("click", () => input.click());
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    uploadFiles(e.dataTransfer.files);
  });
  input.addEventListener("change", () => { uploadFiles(input.files); input.value = ""; });
  $("#edit-form").addEventListener("submit", saveEdit);
  $("#edit-cancel").addEventListener("click", () => $("#edit-dialog").close());
  $("#signin-form").addEventListener("submit", signIn);
  window.addEventListener("hashchange", route);
}

wire();
start();
