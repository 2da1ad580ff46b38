/**
 * The floor to beat: a bare node:dgram loop that answers every datagram from one precomputed
 * template (only the ID patched, no parsing, no checks). `node bare-dgram.js <port> <id>`.
 */
import { createSocket } from 'node:dgram';

const port = Number(process.argv[2] ?? 0);
const id = process.argv[3] ?? 'bench';
const q = Buffer.from([0, 0, 0x81, 0x00, 0, 1, 0, 1, 0, 0, 0, 0, 2, 0x69, 0x64, 6, 0x73, 0x65, 0x72, 0x76, 0x65, 0x72, 0, 0, 16, 0, 3]);
const txt = Buffer.from(id);
const rr = Buffer.concat([Buffer.from([0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0, 0, txt.length + 1, txt.length]), txt]);
const template = Buffer.concat([q, rr]);
const sock = createSocket('udp4');
sock.on('message', (msg, rinfo) => {
  const out = Buffer.from(template);
  out[0] = msg[0] as number;
  out[1] = msg[1] as number;
  sock.send(out, rinfo.port, rinfo.address);
});
sock.bind(port, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ udpPort: sock.address().port })}\n`));
process.on('SIGTERM', () => sock.close(() => process.exit(0)));
