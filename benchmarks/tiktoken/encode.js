// Encodes the given files with tiktoken's GPT-2 encoding, one document (file or paragraph list) at a time, single-threaded,
// and prints {"bytes":..., "seconds":..., "tokens":...} as JSON. Reading is excluded from the timing, as on the Flint side.
const fs = require('fs');
const { get_encoding } = require('tiktoken');
const docs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const enc = get_encoding('gpt2');
enc.encode('warm up the module');
let tokens = 0, bytes = 0;
for (const d of docs) bytes += Buffer.byteLength(d, 'utf8');
const start = process.hrtime.bigint();
for (const d of docs) tokens += enc.encode(d).length;
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
enc.free();
console.log(JSON.stringify({ bytes, seconds, tokens }));
