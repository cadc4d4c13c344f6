// The unmask console: plain script, no build step, talks only to the server it came from.
"use strict";

const $ = (id) => document.getElementById(id);
const IDLE = [128, 128, 128];
const PROMPTS = {
  turn_left: ["Turn your head to your LEFT", "then look back at the screen"],
  turn_right: ["Turn your head to your RIGHT", "then look back at the screen"],
  look_up: ["Look UP", "then look back at the screen"],
  come_closer: ["Come CLOSER", "lean towards the screen, then back"],
  smile: ["SMILE", "a big smile, then relax"],
  blink_twice: ["BLINK twice", "close your eyes twice"],
};
const CUE_WORDS = {
  pulse: "heartbeat seen in the skin",
  motion: "natural head movement",
  eyes: "eyes and blinking",
  recapture: "no photo or screen texture",
  context: "no frame or edge around the face",
  surface: "skin surface",
  thermal: "heat camera",
  nir: "infrared camera",
  depth: "depth camera",
  challenge: "followed the instructions",
  flash: "face reflected the screen's colours",
};
const SPECIES_WORDS = {
  print: "a printed photo",
  replay: "a video on a screen",
  mask_rigid: "a rigid mask",
  mask_silicone: "a silicone mask",
};
const state = { key: sessionStorage.getItem("unmask-key") || "", role: null };
let check = null;

function words(cue) {
  if (cue.startsWith("extra:")) return `extra model ${cue.slice(6)}`;
  return CUE_WORDS[cue] || cue;
}

function say(id, text, bad) {
  const el = $(id);
  el.textContent = text;
  el.style.color = bad ? "#a3231b" : "";
}

async function api(method, path, body) {
  const response = await fetch(path, { method, headers: { "X-API-Key": state.key }, body });
  let doc = null;
  try {
    doc = await response.json();
  } catch (_) {
    doc = null;
  }
  if (!response.ok) {
    const error = new Error((doc && doc.error) || response.statusText);
    error.status = response.status;
    error.type = doc && doc.error_type;
    throw error;
  }
  return doc;
}

// ---- signing in --------------------------------------------------------------------------
async function signIn(key) {
  state.key = key;
  let role = null;
  try {
    await api("GET", "/api/gallery");
    role = "operator";
    try {
      await api("GET", "/api/keys");
      role = "admin";
    } catch (_) {
      role = "operator";
    }
  } catch (error) {
    if (error.status === 403) {
      role = "viewer";
    } else if (error.status === 401) {
      say("who", "That key was not accepted. Check it and try again.", true);
      return;
    } else {
      say("who", `The service did not answer: ${error.message}`, true);
      return;
    }
  }
  state.role = role;
  sessionStorage.setItem("unmask-key", key);
  const can = {
    admin: "You can check people, add and remove people, and read the record.",
    operator: "You can check people and read the record.",
    viewer: "You can read the record of decisions only.",
  }[role];
  say("who", `Signed in (${role}). ${can}`);
  $("tabs").hidden = false;
  $("sign-out").hidden = false;
  for (const button of document.querySelectorAll("#tabs .tab")) {
    const tab = button.dataset.tab;
    button.hidden =
      (role === "viewer" && !["audit", "reports"].includes(tab)) ||
      (role !== "admin" && tab === "enrol");
  }
  showTab(role === "viewer" ? "audit" : "check");
}

function signOut() {
  sessionStorage.removeItem("unmask-key");
  state.key = "";
  state.role = null;
  location.reload();
}

function showTab(name) {
  for (const panel of document.querySelectorAll(".panel")) panel.hidden = panel.id !== name;
  for (const button of document.querySelectorAll("#tabs .tab")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === name));
  }
  if (name === "people") loadPeople();
  if (name === "audit") loadAudit();
  if (name === "reports") loadReports();
}

// ---- camera --------------------------------------------------------------------------------
async function openCamera(video) {
  if (!navigator.mediaDevices) {
    throw new Error("the browser allows the camera only on https:// or http://localhost pages");
  }
  const stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 } },
    audio: false,
  });
  video.srcObject = stream;
  await video.play();
  return stream;
}

function closeCamera(video) {
  const stream = video.srcObject;
  if (stream) for (const track of stream.getTracks()) track.stop();
  video.srcObject = null;
}

function grab(video, type, quality) {
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
}

// ---- drawing -------------------------------------------------------------------------------
function drawFaces(faces) {
  const video = $("video");
  const canvas = $("overlay");
  canvas.width = video.videoWidth || 640;
  canvas.height = video.videoHeight || 480;
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  for (const face of faces) {
    const [x, y, w, h] = face.box;
    const colour = face.main ? "#35d06a" : "#f0c419";
    g.strokeStyle = colour;
    g.lineWidth = 3;
    g.strokeRect(x, y, w, h);
    g.fillStyle = colour;
    g.font = "16px sans-serif";
    g.fillText(`face ${face.track}`, x, Math.max(14, y - 4));
    if (face.mesh) {
      g.fillStyle = "rgba(120, 220, 255, 0.8)";
      for (const [px, py] of face.mesh) g.fillRect(px - 0.75, py - 0.75, 1.5, 1.5);
    }
  }
}

function drawWave(wave) {
  const canvas = $("wave");
  const g = canvas.getContext("2d");
  g.clearRect(0, 0, canvas.width, canvas.height);
  g.fillStyle = "#666";
  g.font = "12px sans-serif";
  if (!wave || wave.value.length < 2) {
    g.fillText("waiting for enough skin signal...", 8, 44);
    return;
  }
  const span = Math.max(1e-6, wave.t[wave.t.length - 1] - wave.t[0]);
  g.strokeStyle = "#c0392b";
  g.lineWidth = 2;
  g.beginPath();
  wave.value.forEach((v, i) => {
    const x = ((wave.t[i] - wave.t[0]) / span) * canvas.width;
    const y = canvas.height / 2 - Math.max(-3, Math.min(3, v)) * (canvas.height / 7);
    if (i === 0) g.moveTo(x, y);
    else g.lineTo(x, y);
  });
  g.stroke();
}

function showCues(cues) {
  const list = $("cues");
  list.replaceChildren();
  for (const [name, cue] of Object.entries(cues)) {
    if (cue.state === "unsure" && /^no (thermal|nir|depth) camera$/.test(cue.reason || "")) continue;
    if (name === "surface" && cue.state === "unsure") continue;
    const item = document.createElement("li");
    item.className = cue.state;
    const verdict = { pass: "looks alive", fail: "looks fake", unsure: "not sure yet" }[cue.state];
    item.textContent = `${words(name)}: ${verdict}${cue.reason ? ` (${cue.reason})` : ""}`;
    list.append(item);
  }
}

// ---- the check -----------------------------------------------------------------------------
function colourAt(challenge, t) {
  for (const segment of challenge.flash) {
    if (segment.start <= t && t < segment.end) return segment.rgb;
  }
  return IDLE;
}

function shownAt(history, time) {
  let colour = null;
  for (const [when, rgb] of history) {
    if (when <= time) colour = rgb;
    else break;
  }
  return colour;
}

function runScript() {
  if (!check || !check.running || !check.challenge || check.t0 === null) return;
  const t = (performance.now() - check.t0) / 1000;
  const challenge = check.challenge;
  const overlay = $("flash");
  const colour = colourAt(challenge, t);
  if (colour !== check.shown) {
    overlay.style.background = `rgb(${colour[0]}, ${colour[1]}, ${colour[2]})`;
    check.shown = colour;
    check.history.push([performance.now(), colour]);
  }
  const step = challenge.steps.find((s) => s.start <= t && t < s.end);
  const [big, small] = step
    ? PROMPTS[step.kind] || [step.kind, ""]
    : [t < challenge.seconds ? "Look at the screen" : "Keep looking at the screen", "keep your face in view"];
  if ($("prompt").textContent !== big) {
    $("prompt").textContent = big;
    $("prompt-small").textContent = small;
  }
  requestAnimationFrame(runScript);
}

async function sendFrame(ws, video, t, screen) {
  const blob = await grab(video, "image/jpeg", 0.9);
  const head = new TextEncoder().encode(JSON.stringify({ t, screen }));
  const body = new Uint8Array(await blob.arrayBuffer());
  const message = new Uint8Array(4 + head.length + body.length);
  new DataView(message.buffer).setUint32(0, head.length);
  message.set(head, 4);
  message.set(body, 4 + head.length);
  if (ws.readyState === WebSocket.OPEN) ws.send(message);
}

function captureLoop(ws, video) {
  const step = async (now, meta) => {
    if (!check || !check.running) return;
    const when = (meta && meta.captureTime) || now;
    if (check.t0 === null) {
      check.t0 = when;
      if (check.challenge) {
        $("flash").hidden = false;
        check.history.push([when, IDLE]);
        check.shown = IDLE;
        requestAnimationFrame(runScript);
      }
    }
    if (check.busy || ws.bufferedAmount > 0) {
      check.skipped += 1;
    } else {
      check.busy = true;
      const screen = check.challenge ? shownAt(check.history, when) : null;
      try {
        await sendFrame(ws, video, (when - check.t0) / 1000, screen);
      } finally {
        check.busy = false;
      }
    }
    if (check && check.running) video.requestVideoFrameCallback(step);
  };
  video.requestVideoFrameCallback(step);
}

function keepLastFrame(video) {
  const still = $("still");
  if (!video.videoWidth) return;
  still.width = video.videoWidth;
  still.height = video.videoHeight;
  still.getContext("2d").drawImage(video, 0, 0);
}

function stopCapture() {
  if (!check) return;
  check.running = false;
  $("flash").hidden = true;
  keepLastFrame($("video"));
  closeCamera($("video"));
  $("camera-state").hidden = false;
  $("camera-state").textContent = "Camera off (last picture shown). It turns on when you press Start.";
  $("start").hidden = false;
  $("stop").hidden = true;
}

function startCheck() {
  const mode = document.querySelector("input[name=mode]:checked").value;
  const claimed = $("claimed").value.trim();
  if (mode === "verify" && !claimed) {
    say("progress", "Type the name the person says they are, then press Start.", true);
    return;
  }
  $("verdict").hidden = true;
  $("evidence-box").hidden = true;
  $("cues").replaceChildren();
  drawWave(null);
  say("progress", "Connecting...");
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/live`);
  check = { ws, mode, running: true, t0: null, challenge: null, history: [], shown: null, busy: false, skipped: 0, finished: false };
  $("start").hidden = true;
  $("stop").hidden = false;
  ws.onopen = () =>
    ws.send(
      JSON.stringify({
        type: "start",
        key: state.key,
        mode,
        id: mode === "verify" ? claimed : null,
        level: $("level").value,
        challenge: $("use-challenge").checked,
      }),
    );
  ws.onmessage = (event) => handle(JSON.parse(event.data));
  ws.onclose = () => {
    if (check && !check.finished) say("progress", "The connection closed before a decision.", true);
    stopCapture();
  };
}

async function handle(message) {
  if (message.type === "ready") {
    check.challenge = message.challenge;
    say("progress", "Starting the camera...");
    try {
      await openCamera($("video"));
    } catch (error) {
      say("progress", `The camera could not start: ${error.message}`, true);
      check.ws.close();
      return;
    }
    $("camera-state").hidden = true;
    say("progress", check.challenge ? "Follow the instructions on the screen." : "Look at the camera and keep still.");
    captureLoop(check.ws, $("video"));
  } else if (message.type === "frame") {
    drawFaces(message.faces);
    drawWave(message.wave);
    showCues(message.cues);
    const skipped = message.dropped + check.skipped;
    say(
      "progress",
      `${message.t.toFixed(1)} s: ${message.faces.length ? `${message.faces.length} face(s) seen` : "no face seen: step in front of the camera"}; ` +
        `${message.processed} frames checked, ${skipped} skipped (busy)`,
    );
    if (message.done) check.running = false;
  } else if (message.type === "verdict") {
    check.finished = true;
    stopCapture();
    renderVerdict(message);
  } else if (message.type === "error") {
    check.finished = true;
    stopCapture();
    say("progress", `Could not check: ${message.error}`, true);
  }
}

function identityWords(mode, identity) {
  if (!identity) return { ok: true, text: null };
  if (mode === "verify") {
    if (identity.match) return { ok: true, text: `This is ${identity.id}.` };
    if (identity.distance_match) return { ok: false, text: `The face looks like ${identity.id}, but the face was not accepted as real.` };
    return { ok: false, text: `This is NOT ${identity.id} (or the face could not be confirmed).` };
  }
  const best = (identity.candidates || [])[0];
  if (best && best.match) return { ok: true, text: `This is ${best.id}.` };
  if (best && best.distance_match && identity.match_refused) return { ok: false, text: `Looks like ${best.id}, but the face was not accepted as real.` };
  return { ok: false, text: "Not recognised: this face is not in the list of people." };
}

function renderVerdict(message) {
  const live = message.liveness;
  const who = identityWords(check.mode, message.identity);
  const box = $("verdict");
  const lines = [];
  let cls;
  let title;
  if (live.decision === "bona_fide") {
    lines.push(`Real, living face (level ${live.level}).`);
    cls = who.ok ? "accepted" : "refused";
    title = who.ok ? "ACCEPTED" : "REFUSED";
  } else if (live.decision === "attack") {
    cls = "refused";
    title = "REFUSED: not a real face";
    lines.push(live.species ? `It looks like ${SPECIES_WORDS[live.species] || live.species}.` : "The checks found a fake.");
  } else {
    cls = "unsure";
    title = "NOT SURE: please try again";
    lines.push("The checks could not decide. Ask the person to face the camera in good light and press Start again.");
  }
  if (who.text) lines.push(who.text);
  if (live.deciding_cues && live.deciding_cues.length) {
    lines.push(`Decided by: ${live.deciding_cues.map(words).join(", ")}.`);
  }
  if (live.reason) lines.push(`Why: ${live.reason}`);
  if (live.challenge) {
    const passed = live.challenge.decision === "bona_fide";
    const flashed = "flash" in (live.challenge.cues || {});
    const followed = `The person followed the instructions${flashed ? " and the screen's flashes" : ""}.`;
    if (passed) lines.push(followed);
    else if (!(live.reason || "").startsWith("challenge")) lines.push(`Instructions: ${live.challenge.reason || live.challenge.decision}`);
  }
  box.className = `verdict ${cls}`;
  box.replaceChildren();
  const heading = document.createElement("h2");
  heading.textContent = title;
  const list = document.createElement("ul");
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = line;
    list.append(item);
  }
  const counts = document.createElement("p");
  counts.textContent = `${message.processed} frames checked, ${message.dropped + check.skipped} skipped.`;
  box.append(heading, list, counts);
  box.hidden = false;
  $("evidence").textContent = JSON.stringify(message, null, 1);
  $("evidence-box").hidden = false;
  say("progress", "Done. Press Start to check again.");
}

// ---- enrolment -----------------------------------------------------------------------------
const shots = [];

async function enrolCamera() {
  try {
    await openCamera($("enrol-video"));
    $("snap").disabled = false;
    say("enrol-state", "Camera on. Ask the person to look at the camera, then press Take photo.");
  } catch (error) {
    say("enrol-state", `The camera could not start: ${error.message}`, true);
  }
}

async function snap() {
  const blob = await grab($("enrol-video"), "image/jpeg", 0.95);
  shots.push(blob);
  const image = document.createElement("img");
  image.src = URL.createObjectURL(blob);
  image.alt = `photo ${shots.length}`;
  $("shots").append(image);
  $("enrol-send").disabled = false;
  say("enrol-state", `${shots.length} photo(s) taken.${shots.length < 3 ? " Take a few more." : ""}`);
}

function enrolClear() {
  shots.length = 0;
  $("shots").replaceChildren();
  $("enrol-send").disabled = true;
  say("enrol-state", "");
}

async function enrolSend() {
  const name = $("enrol-name").value.trim();
  if (!name) {
    say("enrol-state", "Type the person's name first.", true);
    return;
  }
  const form = new FormData();
  form.append("id", name);
  shots.forEach((blob, i) => form.append("files", blob, `photo-${i + 1}.jpg`));
  say("enrol-state", "Adding...");
  try {
    const done = await api("POST", "/api/enroll", form);
    say("enrol-state", `Added ${name} (${done.enrolled[0].templates} photo(s) on file). They can now be recognised.`);
    closeCamera($("enrol-video"));
    $("snap").disabled = true;
    shots.length = 0;
    $("shots").replaceChildren();
    $("enrol-send").disabled = true;
  } catch (error) {
    const hint = {
      NoFaceError: " Take the photos again with the face in the middle of the picture.",
      MultipleFacesError: " Only one person may be in the picture.",
    }[error.type] || "";
    say("enrol-state", `Not added: ${error.message}.${hint}`, true);
  }
}

// ---- people, record, reports ----------------------------------------------------------------
function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toISOString().replace("T", " ").slice(0, 19) : "";
}

async function loadPeople() {
  try {
    const { identities } = await api("GET", "/api/gallery");
    const body = $("people-list");
    body.replaceChildren();
    for (const person of identities) {
      const row = document.createElement("tr");
      cell(row, person.id);
      cell(row, String(person.templates));
      cell(row, when(person.created));
      const actions = cell(row, "");
      if (state.role === "admin") {
        const rename = document.createElement("button");
        rename.textContent = "Rename";
        rename.onclick = () => renamePerson(person.id);
        const remove = document.createElement("button");
        remove.textContent = "Remove";
        remove.onclick = () => removePerson(person.id);
        actions.append(rename, " ", remove);
      }
      body.append(row);
    }
    say("people-state", identities.length ? `${identities.length} people.` : "Nobody has been added yet.");
  } catch (error) {
    say("people-state", `Could not load the list: ${error.message}`, true);
  }
}

async function renamePerson(id) {
  const to = prompt(`New name for ${id}:`, id);
  if (!to || to === id) return;
  const form = new FormData();
  form.append("new_id", to);
  try {
    await api("POST", `/api/gallery/${encodeURIComponent(id)}/rename`, form);
    loadPeople();
  } catch (error) {
    say("people-state", `Not renamed: ${error.message}`, true);
  }
}

async function removePerson(id) {
  if (!confirm(`Remove ${id}? Their face data is erased for good.`)) return;
  try {
    await api("DELETE", `/api/gallery/${encodeURIComponent(id)}`);
    loadPeople();
  } catch (error) {
    say("people-state", `Not removed: ${error.message}`, true);
  }
}

function resultWords(result) {
  if (!result) return "";
  const parts = [];
  if (result.liveness) parts.push(`liveness: ${Array.isArray(result.liveness) ? result.liveness.join(", ") : result.liveness}`);
  if (result.matched) parts.push(`matched: ${result.matched.join(", ") || "nobody"}`);
  if ("match" in result) parts.push(result.match ? "match" : "no match");
  if ("ok" in result) parts.push(result.ok ? "done" : `failed (${result.error || ""})`);
  if (result.live) parts.push("live camera");
  return parts.join("; ") || JSON.stringify(result);
}

async function loadAudit() {
  try {
    const { records } = await api("GET", "/api/audit?limit=1000");
    const body = $("audit-list");
    body.replaceChildren();
    for (const record of records.slice(-200).reverse()) {
      const row = document.createElement("tr");
      cell(row, String(record.seq));
      cell(row, record.time);
      cell(row, record.action);
      cell(row, record.subject);
      cell(row, resultWords(record.result));
      cell(row, record.key_id);
      body.append(row);
    }
    say("audit-state", records.length ? `Latest ${Math.min(records.length, 200)} entries, newest first.` : "Nothing recorded yet.");
  } catch (error) {
    say("audit-state", `Could not load the record: ${error.message}`, true);
  }
}

async function verifyAudit() {
  try {
    const report = await api("GET", "/api/audit/verify");
    if (report.ok) say("audit-state", `The record is intact: ${report.records} entries, none changed, removed or reordered.`);
    else say("audit-state", `WARNING: the record was changed at entry ${report.first_bad}: ${report.reason}`, true);
  } catch (error) {
    say("audit-state", `Could not check the record: ${error.message}`, true);
  }
}

async function loadReports() {
  try {
    const { reports } = await api("GET", "/api/reports");
    const list = $("reports-list");
    list.replaceChildren();
    for (const report of reports) {
      const item = document.createElement("li");
      const open = document.createElement("button");
      open.textContent = `Open ${report.name}`;
      open.onclick = () => openReport(report.name);
      item.append(open, ` saved ${when(report.modified)}`);
      list.append(item);
    }
    say("reports-state", reports.length ? "" : "No reports yet. Save one with --report DATA_DIR/reports/NAME.");
  } catch (error) {
    say("reports-state", `Could not list the reports: ${error.message}`, true);
  }
}

async function openReport(name) {
  const response = await fetch(`/api/reports/${encodeURIComponent(name)}`, { headers: { "X-API-Key": state.key } });
  if (!response.ok) {
    say("reports-state", `Could not open ${name}.`, true);
    return;
  }
  const url = URL.createObjectURL(new Blob([await response.text()], { type: "text/html" }));
  window.open(url, "_blank");
}

// ---- wiring --------------------------------------------------------------------------------
$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("key").value.trim();
  if (key) signIn(key);
});
$("sign-out").onclick = signOut;
for (const button of document.querySelectorAll("#tabs .tab")) button.onclick = () => showTab(button.dataset.tab);
$("start").onclick = startCheck;
$("stop").onclick = () => {
  if (check && check.ws.readyState === WebSocket.OPEN) check.ws.send(JSON.stringify({ type: "stop" }));
  if (check) check.running = false;
};
$("enrol-camera").onclick = enrolCamera;
$("snap").onclick = snap;
$("enrol-clear").onclick = enrolClear;
$("enrol-send").onclick = enrolSend;
$("people-refresh").onclick = loadPeople;
$("audit-refresh").onclick = loadAudit;
$("audit-verify").onclick = verifyAudit;
$("reports-refresh").onclick = loadReports;
drawWave(null);
if (state.key) {
  $("key").value = state.key;
  signIn(state.key);
}
