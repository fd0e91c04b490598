const { parentPort, workerData } = require('node:worker_threads');
const nodemailer = require('nodemailer');
const t = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port: workerData.port, maxConnections: workerData.max, ignoreTLS: true });
parentPort.on('message', ({ id, message }) => {
  t.sendMail(message).then(
    (info) => parentPort.postMessage({ id, messageId: info.messageId, response: info.response }),
    (err) => parentPort.postMessage({ id, error: { message: err.message, code: err.code } })
  );
});
