/** The lab's test function, which reports each delivery to the witness in the client namespace. */

export const FUNCTION_NAME = 'lab-witness';

/** The test function: reports `{id}` to the witness, then answers with its id. CommonJS, no dependencies. */
export function witnessFunctionSource(): string {
  return `const http = require('node:http');
const report = (id) => new Promise((resolve, reject) => {
  const req = http.request({ host: process.env.WITNESS_HOST, port: Number(process.env.WITNESS_PORT), method: 'POST', path: '/' }, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end(JSON.stringify({ id, node: process.env.NIMBUS_NODE_ID || '' }));
});
exports.handler = async (event) => {
  // A batch from the SQS event-source mapping: every message's id is reported before the batch succeeds.
  if (Array.isArray(event.Records)) {
    for (const r of event.Records) await report(JSON.parse(r.body).id);
    return {};
  }
  // The scaling bench (bench/scenarios/cluster.ts) measures throughput, not deliveries: nw skips the witness.
  if (!event.nw) await report(event.id);
  if (event.ms) await new Promise((r) => setTimeout(r, event.ms));
  return { id: event.id };
};
`;
}
