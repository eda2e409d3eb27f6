// The seed's client example (chat_routes.md, "Usage Examples") against chat-local, plus the
// administrator it writes to. Run: node examples/seed-client.mjs  (Node 22+; on Node 20 add
// --experimental-websocket). The server address comes from CHAT_WS (default ws://localhost:8000).
//
// One change to the seed's code: it calls ws.send() right after `new WebSocket(...)`, which
// throws in every WebSocket implementation (the socket is still CONNECTING), so the send
// happens in onopen. The frame, URL and handlers are the seed's.
const base = process.env.CHAT_WS ?? 'ws://localhost:8000';
const done = { userAck: false, adminGot: false, userGotReply: false };
const finish = () => {
  if (done.userAck && done.adminGot && done.userGotReply) {
    console.log('seed example: OK');
    process.exit(0);
  }
};
setTimeout(() => { console.error('seed example: timed out', done); process.exit(1); }, 10000);

// The administrator the seed's user writes to ("admin456"); it answers once.
const admin = new WebSocket(`${base}/ws/admin456?role=admin`);
admin.onmessage = function (event) {
  const message = JSON.parse(event.data);
  if (message.type === 'message') {
    console.log('admin456 received:', JSON.stringify(message));
    done.adminGot = true;
    admin.send(JSON.stringify({
      receiver_id: message.sender_id,
      appointment_id: message.appointment_id,
      service_id: message.service_id,
      message_text: 'Sure, how can I help?',
    }));
  }
  finish();
};

admin.onopen = function () {
  // ---- the seed's example ----
  // Client-side WebSocket connection
  const ws = new WebSocket(`${base}/ws/user123`);

  ws.onopen = function () {
    console.log('Connected to chat server');
    // Send a message
    ws.send(JSON.stringify({
      receiver_id: "admin456",
      appointment_id: "appointment789",
      service_id: "service123",
      message_text: "Hello, I need help with my appointment"
    }));
  };

  ws.onmessage = function (event) {
    const message = JSON.parse(event.data);
    console.log('Received:', message);
    // ---- end of the seed's example ----
    if (message.type === 'ack') done.userAck = true;
    if (message.type === 'message' && message.sender_id === 'admin456') done.userGotReply = true;
    if (message.type === 'error') { console.error('seed example: error frame', message); process.exit(1); }
    finish();
  };
};
