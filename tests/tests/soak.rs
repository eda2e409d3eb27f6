//! The delivery soak: 55 clients (45 users, 10 administrators) chat through chat-local on a
//! DynamoDB Local of the test's own, while clients disconnect and reconnect at random, acks are
//! "lost" (the client sends again with the same `client_msg_id`), the Management API drops,
//! refuses and delays posts, and DynamoDB Local is killed and started again once.
//!
//! Every client follows the documented reconnect algorithm (catch-up from its stored
//! `next_since`, dedupe by `message_id`) and retries each send with the same key until acked.
//! At the end: every acked message reached its receiver exactly once after deduplication, live
//! or through catch-up; no message is stored twice; each conversation is in send order.
//! Clients also edit and delete their own messages and react to others' (each change retried
//! until acked, while their peers drop in and out): after the final catch-up, every client's
//! view of every message (text, deletion, reactions, version: the highest version seen wins)
//! equals the message stored on the server.
//! Bounded: 10 messages a client, a 120 s deadline. Figures go to stdout and to
//! `target/soak-report.txt` (scripts/test.sh prints it).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chat_local::Faults;
use chat_shared::domain::{ClientId, MessageId, SyncQuery};
use chat_shared::store::dynamodb::{local_client, DynamoStore, TableNames};
use chat_shared::store::MessageStore;
use chat_tests::dynamo_process::DynamoProcess;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

const USERS: usize = 45;
const ADMINS: usize = 10;
const MESSAGES_EACH: usize = 10;
const DEADLINE: Duration = Duration::from_secs(120);
const REPLY_WAIT: Duration = Duration::from_secs(8);
const EMOJI: [&str; 3] = ["👍", "❤️", "😂"];

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// An acked message, as its sender knows it.
#[derive(Debug, Clone)]
struct Acked {
    message_id: String,
    sender: String,
    receiver: String,
    seq: usize,
}

#[derive(Default)]
struct Figures {
    attempts: usize,
    lost_ack_retries: usize,
    lost_ack_same_id: usize,
    reconnects: usize,
    send_errors: BTreeMap<String, usize>,
    sync_pages: usize,
    changes: usize,
    change_refusals: usize,
}

/// What one client saw.
#[derive(Default)]
struct Client {
    /// Messages addressed to this client, by id: first seen live (`true`) or by catch-up.
    received: HashMap<String, bool>,
    /// Frames for this client's messages that arrived again (deduplicated).
    repeats: usize,
    next_since: String,
    acked: Vec<Acked>,
    figures: Figures,
    /// Every message of this client's conversations as it last saw it (highest version).
    view: HashMap<String, Value>,
}

struct Run {
    url: String,
    me: String,
    role: &'static str,
    peers: Vec<String>,
    rng: fastrand::Rng,
    socket: Option<Socket>,
    state: Client,
    started: Instant,
}

impl Run {
    async fn connect(&mut self) {
        loop {
            let url = format!("{}/ws/{}?role={}", self.url, self.me, self.role);
            match tokio_tungstenite::connect_async(&url).await {
                Ok((socket, _)) => {
                    self.socket = Some(socket);
                    if self.catch_up().await {
                        return;
                    }
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
            assert!(
                self.started.elapsed() < DEADLINE,
                "{}: cannot connect",
                self.me
            );
        }
    }

    /// Keeps the copy of a message with the higher version (frames arrive out of order).
    fn take_version(&mut self, message: &Value) {
        let id = message["message_id"].as_str().unwrap().to_owned();
        let newer = self.state.view.get(&id).is_none_or(|shown| {
            message["version"].as_u64().unwrap() > shown["version"].as_u64().unwrap()
        });
        if newer {
            self.state.view.insert(id, message.clone());
        }
    }

    fn take_message(&mut self, frame: &Value, live: bool) {
        self.take_version(frame);
        if frame["receiver_id"] != self.me.as_str() {
            return; // own messages, from catch-up
        }
        let id = frame["message_id"].as_str().unwrap().to_owned();
        match self.state.received.entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => self.state.repeats += 1,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(live);
            }
        }
    }

    /// The next frame that answers a request (ack, error or sync); live frames on the way are
    /// taken in. `None`: the socket closed or nothing came in time.
    async fn reply(&mut self) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + REPLY_WAIT;
        loop {
            let socket = self.socket.as_mut()?;
            let next = tokio::time::timeout_at(deadline, socket.next()).await;
            let frame: Value = match next {
                Ok(Some(Ok(WsMessage::Text(text)))) => serde_json::from_str(text.as_str()).unwrap(),
                Ok(Some(Ok(_))) => continue,
                _ => {
                    self.socket = None;
                    return None;
                }
            };
            match frame["type"].as_str() {
                Some("message") => self.take_message(&frame, true),
                Some("update") => self.take_version(&frame["message"]),
                Some("read" | "typing") => {}
                _ => return Some(frame),
            }
        }
    }

    /// Reads live frames for a while (the client is idle).
    async fn idle(&mut self, for_ms: u64) {
        let until = tokio::time::Instant::now() + Duration::from_millis(for_ms);
        while let Some(socket) = self.socket.as_mut() {
            match tokio::time::timeout_at(until, socket.next()).await {
                Err(_) => return,
                Ok(Some(Ok(WsMessage::Text(text)))) => {
                    let frame: Value = serde_json::from_str(text.as_str()).unwrap();
                    if frame["type"] == "message" {
                        self.take_message(&frame, true);
                    } else if frame["type"] == "update" {
                        self.take_version(&frame["message"]);
                    }
                }
                Ok(Some(Ok(_))) => {}
                _ => self.socket = None,
            }
        }
    }

    async fn send_frame(&mut self, frame: &Value) -> bool {
        match self.socket.as_mut() {
            Some(socket) => socket
                .send(WsMessage::Text(frame.to_string().into()))
                .await
                .is_ok(),
            None => false,
        }
    }

    /// The reconnect algorithm: sync from the stored `next_since`, page while `has_more`,
    /// store the last page's `next_since`. `false` if the connection failed meanwhile.
    async fn catch_up(&mut self) -> bool {
        let mut since = self.state.next_since.clone();
        loop {
            if !self
                .send_frame(&json!({"action": "sync", "since": since}))
                .await
            {
                return false;
            }
            let Some(page) = self.reply().await else {
                return false;
            };
            if page["type"] == "error" {
                // DynamoDB is down: try again shortly.
                tokio::time::sleep(Duration::from_millis(300)).await;
                continue;
            }
            assert_eq!(page["type"], "sync", "{page}");
            self.state.figures.sync_pages += 1;
            let messages = page["messages"].as_array().unwrap().clone();
            for m in &messages {
                self.take_message(m, false);
            }
            since = page["next_since"].as_str().unwrap().to_owned();
            if page["has_more"] == false {
                self.state.next_since = since;
                return true;
            }
        }
    }

    /// Sends one message until it is acked, retrying with the same key.
    async fn send(&mut self, seq: usize) {
        let receiver = self.peers[self.rng.usize(..self.peers.len())].clone();
        let key = format!("{}-{seq}", self.me);
        let frame = json!({
            "receiver_id": receiver, "appointment_id": "soak", "service_id": "soak",
            "message_text": format!("{} #{seq}", self.me), "client_msg_id": key,
        });
        loop {
            assert!(
                self.started.elapsed() < DEADLINE,
                "{key}: not acked before the deadline"
            );
            if self.socket.is_none() {
                self.state.figures.reconnects += 1;
                self.connect().await;
            }
            self.state.figures.attempts += 1;
            if !self.send_frame(&frame).await {
                self.socket = None;
                continue;
            }
            let Some(reply) = self.reply().await else {
                continue; // no answer: reconnect and send again
            };
            match reply["type"].as_str() {
                Some("ack") => {
                    let message_id = reply["message_id"].as_str().unwrap().to_owned();
                    if self.rng.f64() < 0.1 {
                        // The ack "was lost": send again; the same ack must come back.
                        self.state.figures.lost_ack_retries += 1;
                        if self.send_frame(&frame).await {
                            if let Some(again) = self.reply().await {
                                if again["type"] == "ack" {
                                    assert_eq!(again, reply, "{key}: a retry got another ack");
                                    self.state.figures.lost_ack_same_id += 1;
                                }
                            }
                        }
                    }
                    self.state.acked.push(Acked {
                        message_id,
                        sender: self.me.clone(),
                        receiver,
                        seq,
                    });
                    return;
                }
                Some("error") => {
                    let code = reply["code"].as_str().unwrap().to_owned();
                    assert!(
                        ["internal", "rate_limited"].contains(&code.as_str()),
                        "{key}: {reply}"
                    );
                    *self.state.figures.send_errors.entry(code).or_default() += 1;
                    tokio::time::sleep(Duration::from_millis(200 + self.rng.u64(..300))).await;
                }
                _ => panic!("{key}: unexpected reply {reply}"),
            }
        }
    }

    /// Sometimes changes a message of its conversations: edits or deletes one of its own,
    /// or reacts to (or takes back a reaction from) one it received. Retried until answered.
    async fn maybe_change(&mut self, seq: usize) {
        if self.rng.f64() >= 0.4 {
            return;
        }
        let mine: Vec<Value> = self
            .state
            .view
            .values()
            .filter(|m| m["deleted"] == false)
            .cloned()
            .collect();
        if mine.is_empty() {
            return;
        }
        let m = &mine[self.rng.usize(..mine.len())];
        let (id, sender) = (
            m["message_id"].as_str().unwrap(),
            m["sender_id"].as_str().unwrap(),
        );
        let peer = if sender == self.me {
            m["receiver_id"].as_str().unwrap()
        } else {
            sender
        };
        let frame = match (sender == self.me, self.rng.u8(..4)) {
            (true, 0) => json!({"action": "delete", "message_id": id, "peer_id": peer}),
            (true, _) => json!({"action": "edit", "message_id": id, "peer_id": peer,
                "message_text": format!("{} edited at #{seq}", self.me)}),
            (false, n) => json!({"action": "react", "message_id": id, "peer_id": peer,
                "emoji": EMOJI[usize::from(n % 3)], "remove": n == 3}),
        };
        loop {
            assert!(
                self.started.elapsed() < DEADLINE,
                "{frame}: not answered in time"
            );
            if self.socket.is_none() {
                self.state.figures.reconnects += 1;
                self.connect().await;
            }
            if !self.send_frame(&frame).await {
                self.socket = None;
                continue;
            }
            let Some(reply) = self.reply().await else {
                continue; // no answer: reconnect and ask again (a change is idempotent)
            };
            match (reply["type"].as_str(), reply["code"].as_str()) {
                (Some("ack"), _) => {
                    self.take_version(&reply["message"]);
                    self.state.figures.changes += 1;
                    return;
                }
                // The other side deleted it meanwhile.
                (Some("error"), Some("conflict")) => {
                    self.state.figures.change_refusals += 1;
                    return;
                }
                (Some("error"), Some("internal" | "rate_limited")) => {
                    tokio::time::sleep(Duration::from_millis(200 + self.rng.u64(..300))).await;
                }
                _ => panic!("{frame}: unexpected reply {reply}"),
            }
        }
    }

    async fn run(mut self) -> Client {
        if self.socket.is_none() {
            self.connect().await;
        }
        for seq in 0..MESSAGES_EACH {
            self.send(seq).await;
            self.maybe_change(seq).await;
            let pause = 100 + self.rng.u64(..400);
            self.idle(pause).await;
            if self.rng.f64() < 0.15 {
                // A random disconnect (a phone changing networks): close, wait, reconnect.
                if let Some(mut socket) = self.socket.take() {
                    let _ = socket.close(None).await;
                }
                tokio::time::sleep(Duration::from_millis(self.rng.u64(..300))).await;
                self.state.figures.reconnects += 1;
                self.connect().await;
            }
        }
        self.state
    }
}

/// Everything stored for `client`, straight from the store (both directions).
async fn stored_for(store: &DynamoStore, client: &str) -> Vec<chat_shared::domain::Message> {
    let mut since = None;
    let mut all = Vec::new();
    loop {
        let query = SyncQuery {
            since,
            peer: None,
            limit: 100,
        };
        let page = store
            .sync(&ClientId::parse(client).unwrap(), &query)
            .await
            .unwrap();
        since = page.entries.last().map(|e| e.position.clone());
        all.extend(page.entries.into_iter().map(|e| e.message));
        if !page.has_more {
            return all;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn soak_every_acked_message_arrives_once_through_faults_and_a_dynamodb_restart() {
    let started = Instant::now();
    let mut ddb = DynamoProcess::start().await;
    let faults = Faults {
        drop: 0.05,
        gone: 0.02,
        throttle: 0.05,
        error: 0.05,
        delay: 0.03,
        delay_by: Duration::from_millis(1_200),
        seed: 7,
    };
    let local = chat_tests::local::start_with(chat_local::Options {
        port: 0,
        dynamodb_endpoint: Some(ddb.endpoint()),
        table_prefix: "soak-".into(),
        faults: faults.clone(),
        ..chat_local::Options::default()
    })
    .await;
    let url = format!("ws://{}", local.addr);
    let users: Vec<String> = (0..USERS).map(|i| format!("user{i:02}")).collect();
    let admins: Vec<String> = (0..ADMINS).map(|i| format!("admin{i:02}")).collect();
    let run_started = Instant::now();

    // Administrators connect first, so users' first messages find a known administrator.
    let mut clients = Vec::new();
    for (i, me) in admins.iter().chain(users.iter()).enumerate() {
        let is_admin = i < ADMINS;
        let run = Run {
            url: url.clone(),
            me: me.clone(),
            role: if is_admin { "admin" } else { "user" },
            peers: if is_admin {
                users.clone()
            } else {
                admins.clone()
            },
            rng: fastrand::Rng::with_seed(1_000 + i as u64),
            socket: None,
            state: Client::default(),
            started,
        };
        if is_admin {
            let mut run = run;
            run.connect().await;
            clients.push(tokio::spawn(run.run()));
        } else {
            clients.push(tokio::spawn(run.run()));
        }
    }

    // One DynamoDB Local crash and restart in the middle of the traffic.
    let outage = Arc::new(Mutex::new(Duration::ZERO));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let down_at = Instant::now();
    ddb.stop().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    ddb.resume().await;
    *outage.lock().unwrap() = down_at.elapsed();

    let mut results = Vec::new();
    for client in clients {
        results.push(client.await.expect("a client task panicked"));
    }
    let traffic = run_started.elapsed();

    // Faults off; every client reconnects once more and catches up, as after any outage.
    local.gateway().set_faults(Faults::default());
    let names: Vec<String> = admins.iter().chain(users.iter()).cloned().collect();
    for (i, state) in results.iter_mut().enumerate() {
        let mut run = Run {
            url: url.clone(),
            me: names[i].clone(),
            role: if i < ADMINS { "admin" } else { "user" },
            peers: Vec::new(),
            rng: fastrand::Rng::with_seed(i as u64),
            socket: None,
            state: std::mem::take(state),
            started,
        };
        run.connect().await;
        *state = run.state;
    }

    // The verdict.
    let acked: Vec<Acked> = results.iter().flat_map(|c| c.acked.clone()).collect();
    let by_name: HashMap<&str, &Client> = names
        .iter()
        .map(String::as_str)
        .zip(results.iter())
        .collect();
    let mut lost = Vec::new();
    let (mut live, mut recovered) = (0, 0);
    for a in &acked {
        match by_name[a.receiver.as_str()].received.get(&a.message_id) {
            Some(true) => live += 1,
            Some(false) => recovered += 1,
            None => lost.push(a.clone()),
        }
    }
    // Nothing stored twice: one stored message per (sender, key), read from the store itself.
    let store = DynamoStore::new(
        local_client(&ddb.endpoint()),
        TableNames::with_prefix("soak-"),
    );
    let mut stored_texts: HashMap<String, HashSet<String>> = HashMap::new();
    for admin in &admins {
        for m in stored_for(&store, admin).await {
            // By the send's key: one stored message per key (a changed message is in the
            // feed again at each change, under the same id).
            stored_texts
                .entry(m.client_msg_id.clone().expect("soak sends carry a key"))
                .or_default()
                .insert(m.message_id.as_str().to_owned());
        }
    }
    // Every client's view of every message equals the stored message (its current state).
    let (mut compared, mut differ) = (0, Vec::new());
    for (name, client) in names.iter().zip(results.iter()) {
        for (id, seen) in &client.view {
            let (a, b) = (
                seen["sender_id"].as_str().unwrap(),
                seen["receiver_id"].as_str().unwrap(),
            );
            let stored = store
                .message(
                    &ClientId::parse(a).unwrap(),
                    &ClientId::parse(b).unwrap(),
                    &MessageId::parse(id).unwrap(),
                )
                .await
                .unwrap()
                .expect("a seen message is stored");
            compared += 1;
            let reactions: BTreeMap<&str, Vec<&str>> = stored
                .state
                .reactions
                .0
                .iter()
                .map(|(e, by)| (e.as_str(), by.iter().map(|c| c.as_str()).collect()))
                .collect();
            let same = seen["message_text"] == stored.message_text.as_str()
                && seen["deleted"] == stored.state.deleted.is_some()
                && seen["version"] == stored.state.version
                && seen["reactions"] == json!(reactions);
            if !same {
                differ.push(format!("{name} sees {seen} but {id} is {stored:?}"));
            }
        }
    }
    let duplicates: usize = stored_texts.values().map(|ids| ids.len() - 1).sum();
    let stored = stored_texts.len();
    let acked_ids: HashSet<&str> = acked.iter().map(|a| a.message_id.as_str()).collect();
    let stored_not_acked = stored_texts
        .values()
        .flatten()
        .filter(|id| !acked_ids.contains(id.as_str()))
        .count();
    // Order: a sender's messages to one receiver have increasing ids in send order.
    let mut out_of_order = 0;
    let mut by_pair: BTreeMap<(&str, &str), Vec<&Acked>> = BTreeMap::new();
    for a in &acked {
        by_pair.entry((&a.sender, &a.receiver)).or_default().push(a);
    }
    for list in by_pair.values_mut() {
        list.sort_by_key(|a| a.seq);
        out_of_order += list
            .windows(2)
            .filter(|w| {
                MessageId::parse(&w[0].message_id).unwrap()
                    >= MessageId::parse(&w[1].message_id).unwrap()
            })
            .count();
    }

    let sum = |f: fn(&Figures) -> usize| results.iter().map(|c| f(&c.figures)).sum::<usize>();
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    for c in &results {
        for (code, n) in &c.figures.send_errors {
            *errors.entry(code.clone()).or_default() += n;
        }
    }
    let report = format!(
        "soak: {clients} clients ({USERS} users, {ADMINS} administrators), {MESSAGES_EACH} messages each, \
         traffic {traffic:.1?}, total {total:.1?}\n\
         faults: {faults}; DynamoDB Local killed and restarted once (down {outage:.1?})\n\
         messages sent {sent}, send attempts {attempts}, acked {acked_n}, stored {stored}\n\
         delivered live {live}, recovered by catch-up {recovered}, lost {lost_n}, \
         duplicates stored {duplicates}, stored but never acked {stored_not_acked}, out of order {out_of_order}\n\
         retries after a lost ack {lost_ack} (same ack every time: {same_ack}), reconnects {reconnects}, \
         sync pages {pages}, repeated frames deduplicated {repeats}, error replies {errors:?}\n\
         changes acked {changes} (refused as already deleted {refusals}), message views compared \
         with the store {compared}, differing {differing}\n",
        clients = USERS + ADMINS,
        total = started.elapsed(),
        faults = faults.describe(),
        outage = *outage.lock().unwrap(),
        sent = (USERS + ADMINS) * MESSAGES_EACH,
        attempts = sum(|f| f.attempts),
        acked_n = acked.len(),
        lost_n = lost.len(),
        lost_ack = sum(|f| f.lost_ack_retries),
        same_ack = sum(|f| f.lost_ack_same_id),
        reconnects = sum(|f| f.reconnects),
        pages = sum(|f| f.sync_pages),
        repeats = results.iter().map(|c| c.repeats).sum::<usize>(),
        changes = sum(|f| f.changes),
        refusals = sum(|f| f.change_refusals),
        differing = differ.len(),
    );
    print!("{report}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/soak-report.txt");
    std::fs::write(path, &report).expect("the report is written");

    assert_eq!(
        acked.len(),
        (USERS + ADMINS) * MESSAGES_EACH,
        "every message acked"
    );
    assert!(lost.is_empty(), "lost: {lost:?}");
    assert_eq!(duplicates, 0, "stored twice");
    assert_eq!(stored, acked.len(), "one stored message per acked one");
    assert_eq!(stored_not_acked, 0);
    assert_eq!(out_of_order, 0);
    assert!(
        differ.is_empty(),
        "views differ from the store: {differ:#?}"
    );
    assert!(sum(|f| f.changes) > 50, "changes were made");
    assert!(
        sum(|f| f.lost_ack_retries) > 0 && recovered > 0,
        "the faults were exercised"
    );
    local.shutdown().await;
}
