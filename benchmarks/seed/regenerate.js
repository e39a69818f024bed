// The seed document's inline miss path (its Node.js example, getCachedImage), run against a real Redis and a
// real HTTP origin: C concurrent callers each ask for keys nobody has cached yet, until N distinct keys are
// regenerated. It prints one JSON line with the regenerations per second.
//
// A miss runs exactly the seed's commands, on one client connection as in the seed: GET image, GET lock,
// SETEX lock 30, fetch from the origin, GET access_count, SETEX image ttl bytes, ZADD image_lru, INCR
// access_count, DEL lock. As in the seed, the last four are sent without waiting for their replies; the clock
// stops once Redis has answered every command (a PING sent after the last one). The line also gives the CPU
// microseconds this process used meanwhile.
//
// Usage: node regenerate.js --redis-port 6379 --origin http://127.0.0.1:8080/ --prefix bench/run1/ \
//          --keys 10000 --concurrency 50
// Key i is <prefix><i>.png; its image is fetched from <origin><prefix><i>.png.

'use strict';

const http = require('http');
const redis = require('redis');

function option(name, fallback) {
  const at = process.argv.indexOf('--' + name);
  if (at >= 0 && at + 1 < process.argv.length) {
    return process.argv[at + 1];
  }
  if (fallback === undefined) {
    throw new Error('--' + name + ' is required');
  }
  return fallback;
}

const redisPort = Number(option('redis-port', '6379'));
const originBase = option('origin');
const prefix = option('prefix');
const keys = Number(option('keys'));
const concurrency = Number(option('concurrency'));

const client = redis.createClient({ port: redisPort, host: '127.0.0.1' });
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

// The seed leaves fetchImage to the reader: a GET of the image from the origin, its body as bytes.
function fetchImage(imageKey, callback) {
  http.get(originBase + imageKey, { agent }, (response) => {
    const chunks = [];
    response.on('data', (chunk) => chunks.push(chunk));
    response.on('end', () => {
      if (response.statusCode !== 200) {
        callback(new Error('origin answered ' + response.statusCode + ' for ' + imageKey), null);
      } else {
        callback(null, Buffer.concat(chunks));
      }
    });
    response.on('error', (err) => callback(err, null));
  }).on('error', (err) => callback(err, null));
}

// From here to getCachedImage: the seed's code as written, its callbacks and commands unchanged.
function updateLRU(imageKey) {
  const timestamp = Date.now();
  client.zadd('image_lru', timestamp, imageKey);
}

function getAccessCount(imageKey, callback) {
  client.get(`${imageKey}:access_count`, (err, count) => {
    callback(err, count ? parseInt(count, 10) : 0);
  });
}

function incrementAccessCount(imageKey) {
  client.incr(`${imageKey}:access_count`);
}

function getCachedImage(imageKey, callback) {
  client.get(imageKey, (err, imageData) => {
    if (err) {
      callback(err, null);
    } else if (imageData) {
      updateLRU(imageKey);
      incrementAccessCount(imageKey);
      callback(null, { imageData, cacheStatus: 'hit' });
    } else {
      const lockKey = `${imageKey}:lock`;
      client.get(lockKey, (lockErr, lockValue) => {
        if (!lockErr && !lockValue) {
          client.setex(lockKey, 30, '1');
          fetchImage(imageKey, (fetchErr, newImageData) => {
            if (fetchErr) {
              callback(fetchErr, null);
            } else {
              getAccessCount(imageKey, (countErr, accessCount) => {
                if (!countErr) {
                  const dynamicTTL = Math.max(3600, accessCount * 60);
                  client.setex(imageKey, dynamicTTL, newImageData);
                  updateLRU(imageKey);
                  incrementAccessCount(imageKey);
                  client.del(lockKey);
                  callback(null, { imageData: newImageData, cacheStatus: 'miss' });
                } else {
                  client.setex(imageKey, 3600, newImageData);
                  updateLRU(imageKey);
                  incrementAccessCount(imageKey);
                  client.del(lockKey);
                  callback(null, { imageData: newImageData, cacheStatus: 'miss' });
                }
              });
            }
          });
        } else {
          setTimeout(() => {
            getCachedImage(imageKey, callback);
          }, 1000);
        }
      });
    }
  });
}

function run() {
  let next = 0;
  let misses = 0;
  let running = concurrency;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();

  function finish() {
    // Commands on one connection are answered in order: once PING is, every write before it is in Redis.
    client.ping((err) => {
      if (err) {
        fail(err);
        return;
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const cpu = process.cpuUsage(cpuBefore);
      console.log(JSON.stringify({ keys, misses, concurrency, seconds, perSecond: keys / seconds,
        cpuMicros: cpu.user + cpu.system }));
      client.quit();
      agent.destroy();
    });
  }

  function caller() {
    if (next >= keys) {
      running -= 1;
      if (running === 0) {
        finish();
      }
      return;
    }
    const imageKey = prefix + next + '.png';
    next += 1;
    getCachedImage(imageKey, (err, result) => {
      if (err) {
        fail(err);
        return;
      }
      if (result.cacheStatus === 'miss') {
        misses += 1;
      }
      caller();
    });
  }

  for (let i = 0; i < concurrency; i += 1) {
    caller();
  }
}

function fail(err) {
  console.error('seed benchmark failed:', err.message);
  process.exit(1);
}

client.on('error', fail);
client.on('ready', run);
