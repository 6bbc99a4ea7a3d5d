/**
 * The floor of the measurement: a node:http server that does no work at all (reads the request,
 * answers 200). What the load generator and the loopback cost per request shows up here, so the
 * table can tell how much of a figure is the server under test.
 *
 * It answers `{}`, or as many bytes as a correct answer of the operation being measured carries
 * (a GetObject's object) once told so by `PUT /_floor/answer-bytes/<n>`: the floor of a row moves
 * the same bytes both ways as the row does.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const CONTROL = /^\/_floor\/answer-bytes\/(\d+)$/;
const EMPTY_JSON = Buffer.from('{}');
let answer = EMPTY_JSON;

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const control = CONTROL.exec(req.url ?? '');
    if (control) answer = Number(control[1]) > 0 ? Buffer.alloc(Number(control[1]), 'x') : EMPTY_JSON;
    const body = control ? EMPTY_JSON : answer;
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(body.length) });
    res.end(body);
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
