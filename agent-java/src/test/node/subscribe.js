// Subscribes to a syndrop collector (Collector.Subscribe) or agent (Agent.Watch) using only the
// .proto file, and prints every item it receives as one JSON line on stdout.
// usage: node subscribe.js --proto FILE --target HOST:PORT [--service Collector|Agent]
//                          [--port N]... [--reason NAME]... [--token T] [--count N]
'use strict';
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const opts = { service: 'Collector', ports: [], reasons: [], count: 0 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const v = argv[i + 1];
  switch (argv[i]) {
    case '--proto': opts.proto = v; i++; break;
    case '--target': opts.target = v; i++; break;
    case '--service': opts.service = v; i++; break;
    case '--port': opts.ports.push(Number(v)); i++; break;
    case '--reason': opts.reasons.push(v); i++; break;
    case '--token': opts.token = v; i++; break;
    case '--count': opts.count = Number(v); i++; break;
    default:
      console.error(`subscribe.js: unknown argument ${argv[i]}`);
      process.exit(2);
  }
}
if (!opts.proto || !opts.target) {
  console.error('subscribe.js: --proto and --target are required');
  process.exit(2);
}

const def = protoLoader.loadSync(opts.proto, { keepCase: false, longs: String, enums: String, defaults: false, oneofs: true });
const v1 = grpc.loadPackageDefinition(def).syndrop.v1;
const client = new v1[opts.service](opts.target, grpc.credentials.createInsecure());
const md = new grpc.Metadata();
if (opts.token) md.add('authorization', `Bearer ${opts.token}`);
const request = { filter: { ports: opts.ports, reasons: opts.reasons } };
const call = opts.service === 'Agent' ? client.watch(request, md) : client.subscribe(request, md);
let n = 0;
call.on('data', (item) => {
  process.stdout.write(JSON.stringify(item) + '\n');
  n++;
  if (opts.count > 0 && n >= opts.count) {
    call.cancel();
    client.close();
    process.exit(0);
  }
});
call.on('error', (e) => {
  if (e.code === grpc.status.CANCELLED) return;
  console.error(`subscribe.js: ${e.code} ${e.details}`);
  process.exit(1);
});
call.on('end', () => process.exit(opts.count > 0 && n < opts.count ? 1 : 0));
console.error('subscribe.js: subscribed');
