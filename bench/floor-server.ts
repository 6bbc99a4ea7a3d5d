/**
 * The floor of the measurement: a node:http server that does no work at all (reads the request,
 * answers 200 `{}`). What the benchmark client and the loopback cost per request shows up here, so
 * the table can tell how much of a figure is the server under test.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1', 'content-length': '2' });
    res.end('{}');
  });
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
