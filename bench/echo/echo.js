// SPDX-License-Identifier: MIT
// Node's net module: pipe each socket to itself. Prints
// "listening on 127.0.0.1:PORT". usage: node echo.js PORT
const net = require('net');
const server = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => s.write(d));
  s.on('error', () => s.destroy());
});
server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log(`listening on 127.0.0.1:${server.address().port}`);
});
