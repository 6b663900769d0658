'use strict';
// The workbench page: OpenSeadragon shows the slide and the prediction overlays (tiles from the server),
// Annotorious edits the candidate's regions, and a small canvas layer adds freehand drawing.
const $ = id => document.getElementById(id);
const state = { ws: null, queue: [], index: -1, view: null, loaded: [], classIndex: 1, tool: 'pan', slide: null, seq: 0, legend: null, job: null };

async function api(path, options = {}) {
  const response = await fetch(path, { credentials: 'same-origin', ...options });
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) throw Object.assign(new Error((body && body.error) || response.statusText), { status: response.status });
  return body;
}
const send = (path, method, body) => api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
function say(text, error = false) { $('message').textContent = text; $('message').className = error ? 'error' : ''; }

const viewer = OpenSeadragon({
  element: $('viewer'), showNavigationControl: false, showNavigator: true, navigatorPosition: 'BOTTOM_RIGHT',
  drawer: 'canvas', maxZoomPixelRatio: 4, animationTime: 0.4, gestureSettingsMouse: { clickToZoom: false, dblClickToZoom: false },
});
const anno = AnnotoriousOSD.createOSDAnnotator(viewer, { drawingEnabled: false, style: styleOf });
window.uga = { state, viewer, anno };

function classOf(a) { const body = (a.bodies || []).find(b => b.purpose === 'classifying'); return body ? body.value : null; }
function colourOf(name) { const c = state.ws.classes.find(k => k.name.toLowerCase() === String(name).toLowerCase()); return c ? c.colour : '#ffffff'; }
function styleOf(a) { const colour = colourOf(classOf(a)); return { fill: colour, fillOpacity: 0.2, stroke: colour, strokeWidth: 2 }; }
const item = () => viewer.world.getItemAt(0);

// --- slides, overlays, candidate boxes, scale bar -------------------------------------------------------------
function tileSource(slide, url) {
  return { width: slide.width, height: slide.height, tileSize: slide.tileSize, tileOverlap: 0, minLevel: 0, maxLevel: slide.maxLevel, getTileUrl: url };
}
function openSlide(slide) {
  return new Promise(resolve => {
    state.slide = slide;
    const sources = [{ tileSource: tileSource(slide, (l, x, y) => `api/slides/${slide.id}_files/${l}/${x}_${y}.jpeg`) }];
    if (slide.hasPrediction) for (const kind of ['labels', 'uncertainty'])
      sources.push({ tileSource: tileSource(slide, (l, x, y) => `api/slides/${slide.id}/overlay/${kind}/${l}/${x}_${y}.png`), opacity: 0 });
    viewer.addOnceHandler('open', () => { applyLayers(); drawBoxes(); updateScale(); resolve(); });
    viewer.open(sources);
    if (slide.hasPrediction) loadLegend(slide); else $('legend').hidden = true;
  });
}
function applyLayers() {
  const opacity = $('opacity').value / 100;
  const labels = viewer.world.getItemAt(1), uncertainty = viewer.world.getItemAt(2);
  if (labels) labels.setOpacity($('show-labels').checked ? opacity : 0);
  if (uncertainty) uncertainty.setOpacity($('show-uncertainty').checked ? opacity : 0);
}
async function loadLegend(slide) {
  const { legend } = await api(`api/slides/${slide.id}/legend`);
  state.legend = legend;
  $('legend').hidden = false;
  $('legend-bar').style.background = `linear-gradient(to right, ${legend.colours.join(', ')})`;
  $('legend-max').textContent = legend.max.toFixed(2);
  $('legend-measure').textContent = legend.measure;
}
function drawBoxes() {
  viewer.clearOverlays();
  if (!item()) return;
  state.queue.forEach((c, i) => {
    if (c.slide !== state.slide.id) return;
    const box = document.createElement('div');
    box.className = 'candidate-box' + (i === state.index ? ' current' : '');
    box.innerHTML = `<span>${c.rank}</span>`;
    viewer.addOverlay({ element: box, location: item().imageToViewportRectangle(c.x, c.y, c.width, c.height) });
  });
}
function updateScale() {
  if (!item() || !state.slide) return;
  const screenPerImage = item().viewportToImageZoom(viewer.viewport.getZoom(true));
  const umPerScreen = state.slide.spacingUm / screenPerImage;
  const nice = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000];
  const um = nice.find(n => n / umPerScreen >= 80) || nice[nice.length - 1];
  $('scalebar-line').style.width = `${um / umPerScreen}px`;
  $('scalebar-text').textContent = um >= 1000 ? `${um / 1000} mm` : `${um} µm`;
}
viewer.addHandler('animation', updateScale);
for (const id of ['opacity', 'show-labels', 'show-uncertainty']) $(id).addEventListener('input', applyLayers);

// --- the queue ------------------------------------------------------------------------------------------------
async function loadWorkspace() {
  state.ws = await api('api/workspace');
  $('ws-name').textContent = state.ws.name;
  $('version').textContent = state.ws.current;
  $('round').textContent = state.ws.round || '–';
  $('classes').innerHTML = '';
  state.ws.classes.forEach(c => {
    const b = document.createElement('button');
    b.textContent = `${c.index} ${c.name}`; b.style.borderLeftColor = c.colour; b.dataset.classIndex = c.index;
    b.onclick = () => pickClass(c.index);
    $('classes').append(b);
  });
  pickClass(Math.min(state.classIndex, state.ws.classes.length - 1));
  $('exports').innerHTML = state.ws.slides.map(s => `${s.id}: <a href="api/export/${s.id}?format=asap">ASAP XML</a> · <a href="api/export/${s.id}?format=geojson">GeoJSON</a>`).join('<br>');
}
async function loadQueue() {
  const q = await api('api/queue');
  state.queue = q.candidates;
  $('queue-count').textContent = `${q.round || ''} · ${state.queue.filter(c => c.state !== 'open').length}/${state.queue.length} done`;
  $('queue').innerHTML = '';
  state.queue.forEach((c, i) => {
    const li = document.createElement('li');
    li.dataset.candidate = c.id;
    li.className = i === state.index ? 'current' : '';
    li.innerHTML = `<span>${c.rank}. ${c.slide}</span><span class="state-${c.state}">${c.state}${c.author ? ' · ' + c.author : ''}</span>`;
    li.onclick = () => go(i);
    $('queue').append(li);
  });
}
function toAnnotation(region) {
  const id = `r${++state.seq}`;
  const open = ring => ring.slice(0, -1);
  const bounds = points => ({ minX: Math.min(...points.map(p => p[0])), minY: Math.min(...points.map(p => p[1])), maxX: Math.max(...points.map(p => p[0])), maxY: Math.max(...points.map(p => p[1])) });
  const polygons = region.coordinates;
  const selector = polygons.length === 1 && polygons[0].length === 1
    ? { type: 'POLYGON', geometry: { points: open(polygons[0][0]), bounds: bounds(polygons[0][0]) } }
    : { type: 'MULTIPOLYGON', geometry: { polygons: polygons.map(rings => ({ rings: rings.map(r => ({ points: open(r) })), bounds: bounds(rings[0]) })), bounds: bounds(polygons.flatMap(p => p[0])) } };
  return { id, bodies: [{ id: id + 'c', annotation: id, purpose: 'classifying', value: region.class }], target: { annotation: id, selector } };
}
function toRegion(a) {
  const close = points => points.length ? [...points, points[0]] : points;
  const s = a.target.selector, g = s.geometry;
  let coordinates;
  if (s.type === 'POLYGON') coordinates = [[close(g.points)]];
  else if (s.type === 'MULTIPOLYGON') coordinates = g.polygons.map(e => e.rings.map(r => close(r.points)));
  else if (s.type === 'RECTANGLE') coordinates = [[close([[g.x, g.y], [g.x + g.w, g.y], [g.x + g.w, g.y + g.h], [g.x, g.y + g.h]])]];
  else return null;
  return { class: classOf(a) || state.ws.classes[state.classIndex].name, coordinates };
}
async function go(i) {
  if (i < 0 || i >= state.queue.length) return;
  state.index = i;
  const c = state.queue[i];
  const slide = state.ws.slides.find(s => s.id === c.slide);
  if (!state.slide || state.slide.id !== slide.id || !item()) await openSlide(slide);
  state.view = await api(`api/candidates/${c.id}`);
  state.loaded = state.view.regions;
  anno.setAnnotations(state.view.regions.map(toAnnotation), true);
  $('candidate').hidden = false;
  $('cand-rank').textContent = `${c.rank} of ${state.queue.length}`;
  $('cand-state').textContent = `${state.view.candidate.state} · ${state.view.source === 'model' ? 'model pre-annotation' : state.view.source}`;
  [...$('queue').children].forEach((li, k) => li.className = k === i ? 'current' : '');
  drawBoxes();
  const pad = c.width * 0.15;
  viewer.viewport.fitBounds(item().imageToViewportRectangle(c.x - pad, c.y - pad, c.width + 2 * pad, c.height + 2 * pad));
  say('');
}
async function save(regions) {
  const c = state.queue[state.index];
  localStorage.setItem('uga-author', $('author').value);
  say(`saving candidate ${c.rank}…`);
  try {
    const saved = await send(`api/candidates/${c.id}`, 'PUT', { revision: state.view.candidate.revision, author: $('author').value, regions });
    await afterSave();
    say(`saved candidate ${c.rank} (revision ${saved.revision})`);
  } catch (e) { say(`not saved: ${e.message}`, true); }
}
async function skip() {
  const c = state.queue[state.index];
  try {
    await send(`api/candidates/${c.id}/skip`, 'POST', { revision: state.view.candidate.revision, author: $('author').value });
    await afterSave();
    say(`skipped candidate ${c.rank}`);
  } catch (e) { say(`not skipped: ${e.message}`, true); }
}
async function afterSave() {
  const at = state.index;
  await loadQueue();
  const next = state.queue.findIndex((c, k) => k > at && c.state === 'open');
  await go(next >= 0 ? next : at);
}
const current = () => anno.getAnnotations().map(toRegion).filter(r => r);

// --- tools: class, polygon (Annotorious), freehand, brush and eraser (own layer), undo, delete ------------------------------------
function pickClass(index) {
  state.classIndex = index;
  [...$('classes').children].forEach(b => b.classList.toggle('on', Number(b.dataset.classIndex) === index));
  for (const a of anno.getSelected()) anno.updateAnnotation({ ...a, bodies: [{ id: a.id + 'c', annotation: a.id, purpose: 'classifying', value: state.ws.classes[index].name }] });
}
function setTool(tool) {
  state.tool = tool;
  document.querySelectorAll('[data-tool]').forEach(b => b.classList.toggle('on', b.dataset.tool === tool));
  anno.setDrawingEnabled(tool === 'polygon');
  if (tool === 'polygon') anno.setDrawingTool('polygon');
  viewer.setMouseNavEnabled(!STROKE_TOOLS.includes(tool));
}
const STROKE_TOOLS = ['freehand', 'brush', 'eraser'];
anno.on('createAnnotation', a => {
  if (!classOf(a)) anno.updateAnnotation({ ...a, bodies: [{ id: a.id + 'c', annotation: a.id, purpose: 'classifying', value: state.ws.classes[state.classIndex].name }] });
});
// Freehand, brush and eraser share one stroke layer: the pointer's path in image pixels, drawn live on a canvas.
let stroke = null;
const layer = $('stroke-layer');
viewer.element.addEventListener('pointerdown', e => {
  if (!STROKE_TOOLS.includes(state.tool) || e.button !== 0) return;
  stroke = { points: [], screen: [] };
  layer.width = layer.clientWidth; layer.height = layer.clientHeight;
  viewer.element.setPointerCapture(e.pointerId);
  addPoint(e);
}, true);
viewer.element.addEventListener('pointermove', e => { if (stroke) addPoint(e); }, true);
viewer.element.addEventListener('pointerup', () => {
  if (!stroke) return;
  const points = stroke.points; stroke = null;
  layer.getContext('2d').clearRect(0, 0, layer.width, layer.height);
  if (state.tool === 'freehand') {
    if (points.length >= 3) anno.addAnnotation(toAnnotation({ class: state.ws.classes[state.classIndex].name, coordinates: [[[...points, points[0]]]] }));
  } else applyStroke(state.tool, points);
}, true);
const screenPerImage = () => item().viewportToImageZoom(viewer.viewport.getZoom(true));
function addPoint(e) {
  const rect = viewer.element.getBoundingClientRect();
  const sx = e.clientX - rect.left, sy = e.clientY - rect.top;
  const p = item().viewerElementToImageCoordinates(new OpenSeadragon.Point(sx, sy));
  const last = stroke.points[stroke.points.length - 1];
  if (last && Math.hypot(p.x - last[0], p.y - last[1]) < 2 / screenPerImage()) return; // 2 screen pixels apart
  stroke.points.push([Math.round(p.x * 100) / 100, Math.round(p.y * 100) / 100]);
  stroke.screen.push([sx, sy]);
  const g = layer.getContext('2d');
  g.clearRect(0, 0, layer.width, layer.height);
  g.lineCap = g.lineJoin = 'round';
  g.strokeStyle = state.tool === 'eraser' ? 'rgba(255,255,255,0.6)' : colourOf(state.ws.classes[state.classIndex].name);
  g.lineWidth = state.tool === 'freehand' ? 2 : 2 * Number($('brush-size').value);
  g.beginPath();
  stroke.screen.forEach(([x, y], i) => (i ? g.lineTo(x, y) : g.moveTo(x, y)));
  if (stroke.screen.length === 1) g.lineTo(sx + 0.1, sy);
  g.stroke();
}
// The server sweeps the brush along the path and merges or cuts (NetTopologySuite); the page shows the result.
async function applyStroke(kind, points) {
  try {
    const radius = Number($('brush-size').value) / screenPerImage();
    const answer = await send(`api/strokes/${kind}`, 'POST', { path: points, radius, regions: current(), class: state.ws.classes[state.classIndex].name });
    anno.setAnnotations(answer.regions.map(toAnnotation), true);
  } catch (e) { say(`${kind}: ${e.message}`, true); }
}
document.querySelectorAll('[data-tool]').forEach(b => b.onclick = () => setTool(b.dataset.tool));
$('delete').onclick = () => anno.getSelected().forEach(a => anno.removeAnnotation(a));
$('undo').onclick = () => anno.undo();
$('redo').onclick = () => anno.redo();
$('prev').onclick = () => go(state.index - 1);
$('next').onclick = () => go(state.index + 1);
$('save').onclick = () => { try { save(current()); } catch (e) { say(`not saved: ${e.message}`, true); } };
$('accept').onclick = () => save(state.loaded);
$('skip').onclick = skip;
document.addEventListener('keydown', e => {
  if (e.target.tagName === 'INPUT') return;
  const key = e.key.toLowerCase();
  if ((e.ctrlKey || e.metaKey) && key === 's') { e.preventDefault(); save(current()); }
  else if ((e.ctrlKey || e.metaKey) && key === 'z') { e.preventDefault(); anno.undo(); }
  else if ((e.ctrlKey || e.metaKey) && key === 'y') { e.preventDefault(); anno.redo(); }
  else if (e.ctrlKey || e.metaKey || e.altKey) return;
  else if (key === 'arrowright' || key === 'n') go(state.index + 1);
  else if (key === 'arrowleft') go(state.index - 1);
  else if (key === 's') skip();
  else if (key === 'a') save(state.loaded);
  else if (key === 'p') setTool('polygon');
  else if (key === 'f') setTool('freehand');
  else if (key === 'b') setTool('brush');
  else if (key === 'e') setTool('eraser');
  else if (key === 'escape') setTool('pan');
  else if (key === 'delete' || key === 'backspace') anno.getSelected().forEach(a => anno.removeAnnotation(a));
  else if (/^[0-9]$/.test(key) && Number(key) < state.ws.classes.length) pickClass(Number(key));
});

// --- background job and history -------------------------------------------------------------------------------
$('finetune').onclick = async () => {
  try {
    const job = await send('api/jobs', 'POST', {});
    follow(job.id);
  } catch (e) { $('job-text').textContent = e.message; }
};
$('cancel-job').onclick = () => state.job && api(`api/jobs/${state.job}`, { method: 'DELETE' });
function follow(id) {
  state.job = id;
  $('cancel-job').hidden = false;
  $('finetune').disabled = true;
  const source = new EventSource(`api/jobs/${id}/events`);
  let step = '';
  state.jobEvents = [];
  source.addEventListener('step', e => { step = JSON.parse(e.data).step; $('job-text').textContent = `${step}: starting`; $('job-progress').value = 0; });
  source.addEventListener('progress', e => {
    const p = JSON.parse(e.data);
    state.jobEvents.push({ ...p, step });
    $('job-progress').value = p.total ? p.done / p.total : 0;
    const eta = p.etaSeconds == null ? '' : ` · ETA ${Math.floor(p.etaSeconds / 60)}:${String(Math.round(p.etaSeconds % 60)).padStart(2, '0')}`;
    $('job-text').textContent = `${step}: ${p.stage} ${p.done}/${p.total}${eta}${p.detail ? ' · ' + p.detail : ''}`;
  });
  source.addEventListener('end', async e => {
    source.close();
    const end = JSON.parse(e.data);
    $('job-text').textContent = `job ${end.detail}${end.detail === 'succeeded' ? '' : ': ' + end.message}`;
    $('job-text').dataset.state = end.detail;
    $('job-progress').value = end.detail === 'succeeded' ? 1 : 0;
    $('cancel-job').hidden = true;
    $('finetune').disabled = false;
    await refresh();
  });
}
async function loadHistory() {
  const h = await api('api/history');
  $('history').querySelector('tbody').innerHTML = h.versions.map(v => {
    const dice = h.dice.filter(d => d.version === v.id).map(d => `${d.slide}: ${d.meanForeground.toFixed(3)}`).join('<br>') || '–';
    return `<tr data-version="${v.id}"><td>${v.id}</td><td>${v.parent || v.how}</td><td>${v.patchCount}</td><td>${dice}</td></tr>`;
  }).join('');
  $('rounds').innerHTML = h.rounds.map(r => `${r.id} (ranked by ${r.rankedBy}): ${r.annotated} annotated, ${r.skipped} skipped of ${r.candidates}`).join('<br>');
}
async function refresh() {
  await loadWorkspace();
  state.slide = null;
  state.index = -1;
  await loadQueue();
  await loadHistory();
  if (state.queue.length) await go(0); else if (state.ws.slides.length) await openSlide(state.ws.slides[0]);
  document.body.dataset.ready = 'true';
}
$('author').value = localStorage.getItem('uga-author') || '';
refresh().then(async () => {
  const job = await api('api/jobs/current');
  if (job.id && job.state === 'running') follow(job.id);
}).catch(e => say(e.message, true));
