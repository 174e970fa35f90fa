/**
 * A bare aedes broker for `bench:alarms --aedes`: the MQTT broker library the gateway is built on,
 * on its own in this process, with aedes' defaults — no authentication, no validation, no storage,
 * in-memory QoS 1 — over plain TCP. Its line in the benchmark's table is what a Node.js broker
 * costs under the same fleet, between Mosquitto's (a broker in C) and the platform's (the same
 * broker plus everything a fall needs before an operator sees it).
 *
 *   node --import tsx tests/bench/alarms/bare-aedes.ts PORT
 */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const port = Number(process.argv[2])
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`bare-aedes: the first argument must be a TCP port (1–65535), got ${JSON.stringify(process.argv[2] ?? null)}\n`)
  process.exit(2)
}

const broker = await Aedes.createBroker()
const server = createServer(broker.handle)
server.listen(port, '127.0.0.1', () => process.stdout.write(`bare aedes listening on 127.0.0.1:${port}\n`))
server.on('error', (err) => {
  process.stderr.write(`bare-aedes: ${err.message}\n`)
  process.exit(1)
})
const stop = (): void => { server.close(); broker.close(() => process.exit(0)) }
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
