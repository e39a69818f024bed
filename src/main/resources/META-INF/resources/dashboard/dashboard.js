// The Pansaar dashboard: polls GET /api/status, shows its figures, charts their history with uPlot, and lists the
// dead letters with retry and delete buttons once an admin token is given. No build step: a plain ES module.
import uPlot from '/webjars/uplot/dist/uPlot.esm.js';

const params = new URLSearchParams(location.search);
/** How often /api/status is read; its Redis figures are a snapshot at most one second old, so faster gains nothing. */
const POLL_MILLIS = Math.max(250, Number(params.get('interval')) || 1000);
/** Samples kept for the charts: five minutes at the default interval. */
const HISTORY = 300;
/** Rates and ratios are taken over this much history, so a snapshot shared by two polls does not show as a dip. */
const RATE_WINDOW_MILLIS = 5000;
const DEAD_LETTERS_SHOWN = 20;
const TOKEN_KEY = 'pansaar.admin-token';
/**
 * Unlike /api/status, a listing is read afresh from Redis for each caller: the page lists the dead letters again
 * when their count changed, and otherwise this often (a letter retried elsewhere while another arrived).
 */
const DEAD_LETTERS_RELIST_MILLIS = 10000;
/** The dead-letter count at the last listing, and when it was taken. */
const listed = { count: -1, at: 0 };

const samples = [];
const errors = new Map();

// ------------------------------------------------------------------------------------------------
// Errors: every one is shown until what caused it succeeds again.

function showError(source, message) {
  errors.set(source, message);
  renderErrors();
}

function clearError(source) {
  if (errors.delete(source)) {
    renderErrors();
  }
}

function renderErrors() {
  const list = document.getElementById('errors');
  list.replaceChildren(...[...errors].map(([source, message]) => {
    const item = document.createElement('li');
    item.dataset.error = source;
    item.textContent = message;
    return item;
  }));
  list.hidden = errors.size === 0;
}

/** The problem's detail of a failed answer, or its status line. */
async function describe(response) {
  let detail = '';
  try {
    const body = await response.json();
    detail = body.detail || body.title || '';
  } catch (ignored) {
    // Not a problem document: the status says enough.
  }
  return `${response.status} ${response.statusText}${detail ? ': ' + detail : ''}`;
}

// ------------------------------------------------------------------------------------------------
// Figures

const integer = new Intl.NumberFormat('en');
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 2 });
const coldAt = millis => new Date(millis).toISOString().slice(0, 19).replace('T', ' ');
/** Units a duration is shown in, largest first: the largest it spans at least once. */
const DURATION_UNITS = [[86_400_000, 'd'], [3_600_000, 'h'], [60_000, 'min'], [1000, 's'], [1, 'ms']];

function duration(millis) {
  const [size, unit] = DURATION_UNITS.find(([size]) => Math.abs(millis) >= size) ?? DURATION_UNITS.at(-1);
  return `${decimal.format(millis / size)} ${unit}`;
}

function bytes(value) {
  if (value == null) {
    return 'none';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let scaled = value;
  let unit = 0;
  while (Math.abs(scaled) >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${decimal.format(scaled)} ${units[unit]}`;
}

function ratio(part, whole) {
  return whole > 0 ? part / whole : null;
}

/**
 * Shows a figure: the formatted text for people, the raw value in data-value for tests and scripts
 * ("" when there is none).
 */
function setFigure(scope, metric, value, format = integer.format) {
  const element = scope.querySelector(`[data-metric="${metric}"]`);
  element.dataset.value = value == null ? '' : String(value);
  element.textContent = value == null ? '–' : format(value);
  return element;
}

/** Adds a cell showing the formatted value, with the raw value in data-value (as setFigure does); returns it. */
function cell(row, metric, value, format = integer.format, text = false) {
  const element = document.createElement('td');
  element.dataset.metric = metric;
  element.dataset.value = value == null ? '' : String(value);
  element.textContent = value == null ? '–' : format(value);
  if (text) {
    element.className = 'text';
  }
  row.append(element);
  return element;
}

function reads(totals) {
  return totals.hits + totals.staleHits + totals.staleIfErrorHits + totals.misses + totals.negativeHits;
}

function renderFigures(status, sample) {
  const totals = status.totals;
  // Partition rows carry some of the same metric names, so each figure is looked up in its own section.
  const header = document.querySelector('header');
  const figures = document.getElementById('figures');
  header.querySelector('[data-metric="consumer-name"]').textContent = status.worker.consumerName ?? 'off';
  header.querySelector('[data-metric="worker-reading"]').textContent = status.worker.reading ? 'reading' : 'not reading';
  setFigure(header, 'worker-in-flight', status.worker.inFlight);
  header.querySelector('[data-metric="library-version"]').textContent = status.library.version;
  header.querySelector('[data-metric="library-current"]').textContent =
      status.library.current ? 'loaded everywhere' : 'NOT loaded on every primary';
  header.querySelector('[data-metric="updated-at"]').textContent = new Date(sample.time).toLocaleTimeString();

  setFigure(figures, 'regenerations-per-second', sample.regenerationsPerSecond, decimal.format);
  setFigure(figures, 'regenerated', totals.regenerated);
  setFigure(figures, 'jobs-processed', totals.jobsProcessed);
  setFigure(figures, 'failed', totals.failed);
  setFigure(figures, 'dead-lettered', totals.deadLettered);
  setFigure(figures, 'images', totals.images);
  setFigure(figures, 'used-bytes', totals.usedBytes, bytes);
  setFigure(figures, 'memory-budget', totals.memoryBudgetBytes, bytes);
  setFigure(figures, 'memory-used-ratio', totals.memoryBudgetBytes ? totals.usedBytes / totals.memoryBudgetBytes : null,
      percent.format);
  const all = reads(totals);
  setFigure(figures, 'reads', all);
  setFigure(figures, 'hit-ratio', ratio(totals.hits, all), percent.format);
  setFigure(figures, 'stale-ratio', ratio(totals.staleHits, all), percent.format);
  setFigure(figures, 'stale-if-error-ratio', ratio(totals.staleIfErrorHits, all), percent.format);
  setFigure(figures, 'miss-ratio', ratio(totals.misses, all), percent.format);
  setFigure(figures, 'negative-hit-ratio', ratio(totals.negativeHits, all), percent.format);
  setFigure(document.getElementById('dead-letters'), 'dead-letters',
      status.partitions.reduce((sum, partition) => sum + partition.deadLetters, 0));
}

function renderPartitions(partitions) {
  const body = document.querySelector('[data-metric="partitions"] tbody');
  body.replaceChildren(...partitions.map(partition => {
    const row = document.createElement('tr');
    row.dataset.partition = String(partition.partition);
    row.className = partition.deadLetters > 0 ? 'troubled' : (partition.length > 0 ? 'busy' : '');
    cell(row, 'partition', partition.partition);
    cell(row, 'length', partition.length);
    cell(row, 'pending', partition.pending);
    cell(row, 'lag', partition.lag);
    cell(row, 'dead-letters', partition.deadLetters);
    cell(row, 'images', partition.memory.images);
    cell(row, 'used-bytes', partition.memory.usedBytes, bytes);
    cell(row, 'lease-holder', partition.memory.leaseHolder, String, true);
    cell(row, 'consumers', partition.consumers.length);
    priorityCell(row, partition.priority);
    return row;
  }));
}

/**
 * The half-life and newcomer penalty the partition's eviction priority counts with, marked when its lease holder tuned
 * them; data-value is "<half-life ms>/<penalty>", data-tuned "true" or "false".
 */
function priorityCell(row, priority) {
  const element = cell(row, 'priority', `${priority.halfLifeMillis}/${priority.newcomerPenalty}`,
      () => `${duration(priority.halfLifeMillis)} / ${decimal.format(priority.newcomerPenalty)}`
          + (priority.tuned ? ' tuned' : ''));
  element.dataset.tuned = String(priority.tuned);
  if (priority.tuned) {
    element.classList.add('tuned');
  }
}

/** The statistics' fresh-TTL buckets, in order: each copy counts in the first whose bound its TTL does not exceed. */
const TTL_BUCKETS = [
  ['fresh-ttl-le-1m', 'up to 1 min'], ['fresh-ttl-le-10m', '1 to 10 min'], ['fresh-ttl-le-1h', '10 min to 1 h'],
  ['fresh-ttl-le-6h', '1 to 6 h'], ['fresh-ttl-le-1d', '6 h to 1 day'], ['fresh-ttl-le-7d', '1 to 7 days'],
  ['fresh-ttl-le-30d', '7 to 30 days'], ['fresh-ttl-over-30d', 'over 30 days'],
];

function renderTtlSpread(partitions) {
  const copies = TTL_BUCKETS.map(([counter]) =>
      partitions.reduce((sum, partition) => sum + Number(partition.statistics?.[counter] ?? 0), 0));
  const all = copies.reduce((sum, count) => sum + count, 0);
  const body = document.querySelector('[data-metric="ttl-spread"] tbody');
  body.replaceChildren(...TTL_BUCKETS.map(([counter, label], position) => {
    const row = document.createElement('tr');
    row.dataset.bucket = counter;
    cell(row, 'ttl-range', label, String, true);
    cell(row, 'ttl-copies', copies[position]);
    cell(row, 'ttl-share', ratio(copies[position], all), percent.format);
    return row;
  }));
}

function renderHotKeys(partitions) {
  const hottest = partitions
      .flatMap(partition => (partition.hotKeys ?? []).map(hot => ({ ...hot, partition: partition.partition })))
      .sort((left, right) => right.priority - left.priority)
      .slice(0, 10);
  const body = document.querySelector('[data-metric="hot-keys"] tbody');
  body.replaceChildren(...hottest.map(hot => {
    const row = document.createElement('tr');
    row.dataset.partition = String(hot.partition);
    row.dataset.key = hot.key;
    cell(row, 'hot-key', hot.key, String, true);
    cell(row, 'partition', hot.partition);
    // The priority index ranks in ms: the moment the image's decayed count falls to one request.
    cell(row, 'priority', hot.priority, coldAt);
    return row;
  }));
}

function renderOrigins(origins) {
  const body = document.querySelector('[data-metric="origins"] tbody');
  const millis = value => `${decimal.format(value / 1000)} s`;
  body.replaceChildren(...origins.map(origin => {
    const row = document.createElement('tr');
    row.dataset.origin = origin.origin;
    row.className = origin.breaker !== 'closed' || origin.pausedForMillis > 0 ? 'troubled' : '';
    cell(row, 'origin', origin.origin, String, true);
    cell(row, 'breaker', origin.breaker, String, true);
    cell(row, 'in-flight', origin.inFlight);
    cell(row, 'paused-for', origin.pausedForMillis, millis);
    cell(row, 'open-for', origin.openForMillis, millis);
    cell(row, 'consecutive-failures', origin.consecutiveFailures);
    cell(row, 'times-opened', origin.timesOpened);
    cell(row, 'deferred', origin.deferred);
    cell(row, 'last-failure', origin.lastFailure
        ? `${origin.lastFailureAt ?? ''} ${origin.lastFailure}` : null, String, true);
    return row;
  }));
}

// ------------------------------------------------------------------------------------------------
// History and charts

/** One poll's figures, with the rates and ratios taken against the sample RATE_WINDOW_MILLIS earlier. */
function sampleOf(status, time) {
  const totals = status.totals;
  const sample = {
    time,
    regenerated: totals.regenerated,
    hits: totals.hits, staleHits: totals.staleHits, staleIfErrorHits: totals.staleIfErrorHits,
    misses: totals.misses, negativeHits: totals.negativeHits,
    usedBytes: totals.usedBytes, budget: totals.memoryBudgetBytes ?? null,
    length: status.partitions.reduce((sum, partition) => sum + partition.length, 0),
    pending: status.partitions.reduce((sum, partition) => sum + partition.pending, 0),
    lag: status.partitions.reduce((sum, partition) => sum + (partition.lag ?? 0), 0),
  };
  const base = samples.find(earlier => time - earlier.time <= RATE_WINDOW_MILLIS) ?? null;
  if (base && base.time < time) {
    const seconds = (time - base.time) / 1000;
    sample.regenerationsPerSecond = Math.max(0, sample.regenerated - base.regenerated) / seconds;
    const delta = name => Math.max(0, sample[name] - base[name]);
    const readsInWindow = ['hits', 'staleHits', 'staleIfErrorHits', 'misses', 'negativeHits']
        .reduce((sum, name) => sum + delta(name), 0);
    sample.hitRatio = ratio(delta('hits'), readsInWindow);
    sample.staleRatio = ratio(delta('staleHits'), readsInWindow);
    sample.staleIfErrorRatio = ratio(delta('staleIfErrorHits'), readsInWindow);
    sample.missRatio = ratio(delta('misses'), readsInWindow);
  } else {
    sample.regenerationsPerSecond = null;
  }
  return sample;
}

const seriesTime = () => samples.map(sample => sample.time / 1000);
const seriesOf = name => samples.map(sample => sample[name] ?? null);

function chart(metric, series, yAxis = {}) {
  const element = document.querySelector(`[data-metric="${metric}"]`);
  const plot = new uPlot({
    width: Math.max(300, element.clientWidth || 480),
    height: 180,
    series: [{}, ...series.map(line => ({ spanGaps: false, width: 1.5, ...line }))],
    axes: [{}, { size: 85, ...yAxis }],
    scales: { x: { time: true } },
  }, [[], ...series.map(() => [])], element);
  return { plot, names: series.map(line => line.name) };
}

const percentAxis = { values: (plot, ticks) => ticks.map(tick => percent.format(tick)) };
const bytesAxis = { values: (plot, ticks) => ticks.map(tick => bytes(tick)) };

const charts = [
  chart('regenerations-chart', [{ label: 'regenerations / s', name: 'regenerationsPerSecond', stroke: '#2a7d4f' }]),
  chart('read-ratios-chart', [
    { label: 'hit', name: 'hitRatio', stroke: '#2a7d4f' },
    { label: 'stale', name: 'staleRatio', stroke: '#c98a00' },
    { label: 'stale-if-error', name: 'staleIfErrorRatio', stroke: '#c0392b' },
    { label: 'miss', name: 'missRatio', stroke: '#2c62b4' },
  ], percentAxis),
  chart('memory-chart', [
    { label: 'used', name: 'usedBytes', stroke: '#2c62b4', fill: 'rgba(44, 98, 180, 0.1)' },
    { label: 'budget', name: 'budget', stroke: '#c0392b', dash: [6, 4] },
  ], bytesAxis),
  chart('backlog-chart', [
    { label: 'in the streams', name: 'length', stroke: '#2c62b4' },
    { label: 'pending', name: 'pending', stroke: '#c98a00' },
    { label: 'not yet read (lag)', name: 'lag', stroke: '#c0392b' },
  ]),
];

function renderCharts() {
  const time = seriesTime();
  for (const { plot, names } of charts) {
    plot.setData([time, ...names.map(seriesOf)]);
  }
}

// ------------------------------------------------------------------------------------------------
// Polling /api/status

async function poll() {
  try {
    const response = await fetch('/api/status', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (!response.ok) {
      showError('status', `GET /api/status answered ${await describe(response)}`);
      return;
    }
    const status = await response.json();
    const sample = sampleOf(status, Date.now());
    samples.push(sample);
    if (samples.length > HISTORY) {
      samples.shift();
    }
    renderFigures(status, sample);
    renderPartitions(status.partitions);
    renderHotKeys(status.partitions);
    renderTtlSpread(status.partitions);
    renderOrigins(status.origins);
    renderCharts();
    clearError('status');
    document.body.dataset.polls = String(Number(document.body.dataset.polls ?? 0) + 1);
    const deadLetters = status.partitions.reduce((sum, partition) => sum + partition.deadLetters, 0);
    if (adminToken() && (deadLetters !== listed.count || Date.now() - listed.at >= DEAD_LETTERS_RELIST_MILLIS)) {
      await listDeadLetters();
      listed.count = deadLetters;
      listed.at = Date.now();
    }
  } catch (failure) {
    showError('status', `cannot reach /api/status: ${failure.message}`);
  } finally {
    // The next poll waits for this one, so a slow server never has requests piling up.
    setTimeout(poll, POLL_MILLIS);
  }
}

// ------------------------------------------------------------------------------------------------
// Dead letters and the admin token (sessionStorage only: gone when the tab closes)

function adminToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById('forget-token').hidden = true;
  document.querySelector('[data-metric="dead-letter-list"]').replaceChildren();
}

/** Asks for the admin token in a dialog; resolves to it, or null when cancelled. */
function askToken() {
  const dialog = document.getElementById('token-dialog');
  const input = document.getElementById('token-input');
  input.value = '';
  return new Promise(resolve => {
    dialog.addEventListener('close', () => {
      const token = dialog.returnValue === 'ok' ? input.value.trim() : '';
      input.value = '';
      if (token) {
        sessionStorage.setItem(TOKEN_KEY, token);
        document.getElementById('forget-token').hidden = false;
      }
      resolve(token || null);
    }, { once: true });
    dialog.showModal();
  });
}

/** Sends an admin request with the stored token, asking for one first; null when none was given. */
async function admin(method, path) {
  const token = adminToken() ?? await askToken();
  if (!token) {
    return null;
  }
  const response = await fetch(path, { method, headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (response.status === 401) {
    forgetToken();
    showError('admin', `${method} ${path} answered ${await describe(response)}. The admin token was refused and `
        + 'forgotten; enter the right one.');
    return null;
  }
  if (response.status === 403) {
    showError('admin', `${method} ${path} answered ${await describe(response)}. No pansaar.admin-token is set, `
        + 'so admin endpoints are off.');
    return null;
  }
  clearError('admin');
  return response;
}

async function listDeadLetters() {
  let response;
  try {
    response = await admin('GET', `/api/dead-letters?count=${DEAD_LETTERS_SHOWN}`);
  } catch (failure) {
    showError('dead-letters', `cannot reach /api/dead-letters: ${failure.message}`);
    return;
  }
  if (response == null) {
    return;
  }
  if (!response.ok) {
    showError('dead-letters', `GET /api/dead-letters answered ${await describe(response)}`);
    return;
  }
  clearError('dead-letters');
  renderDeadLetters(await response.json());
}

/**
 * Shows the listing, newest first. An entry already shown keeps its element, so a button under the pointer is
 * never swapped for another between two polls; entries gone from the listing leave.
 */
function renderDeadLetters(listing) {
  const list = document.querySelector('[data-metric="dead-letter-list"]');
  const shown = new Map([...list.querySelectorAll('li[data-dead-letter]')]
      .map(item => [`${item.dataset.partition}/${item.dataset.deadLetter}`, item]));
  const items = listing.entries.map(entry => shown.get(`${entry.partition}/${entry.id}`) ?? deadLetterItem(entry));
  if (listing.truncated) {
    const more = document.createElement('li');
    more.textContent = 'More dead letters exist than fit in one listing.';
    items.push(more);
  }
  list.replaceChildren(...items);
}

function deadLetterItem(entry) {
  const item = document.createElement('li');
  item.dataset.partition = String(entry.partition);
  item.dataset.deadLetter = entry.id;
  const what = document.createElement('span');
  what.dataset.metric = 'dead-letter';
  what.textContent = `${entry.fields.key ?? '(no key)'} · partition ${entry.partition} · ${entry.id} · `
      + `${entry.deliveries ?? '?'} deliveries · ${entry.deadLetteredAt ? new Date(entry.deadLetteredAt).toISOString() : ''}`;
  const retry = button('retry', 'Retry', () => act('POST', `/api/dead-letters/${entry.partition}/${entry.id}/retry`, item));
  const remove = button('delete', 'Delete', () => act('DELETE', `/api/dead-letters/${entry.partition}/${entry.id}`, item));
  const error = document.createElement('div');
  error.className = 'error';
  error.textContent = entry.lastError ?? '';
  item.append(what, ' ', retry, ' ', remove, error);
  return item;
}

function button(action, label, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.dataset.action = action;
  element.textContent = label;
  element.addEventListener('click', onClick);
  return element;
}

/** Retries or deletes one dead letter; it leaves the list once the server has done it. */
async function act(method, path, item) {
  let response;
  try {
    response = await admin(method, path);
  } catch (failure) {
    showError('action', `cannot reach ${path}: ${failure.message}`);
    return;
  }
  if (response == null) {
    return;
  }
  if (!response.ok) {
    showError('action', `${method} ${path} answered ${await describe(response)}`);
    return;
  }
  clearError('action');
  item.remove();
  await listDeadLetters();
}

document.getElementById('list-dead-letters').addEventListener('click', async () => {
  if (!adminToken() && !await askToken()) {
    return;
  }
  await listDeadLetters();
});
document.getElementById('forget-token').addEventListener('click', forgetToken);
document.getElementById('forget-token').hidden = !adminToken();

poll();
