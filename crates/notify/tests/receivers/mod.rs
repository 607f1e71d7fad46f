//! Local receivers for the channel tests: a minimal SMTP server (enough of RFC 5321 for one
//! client: EHLO, MAIL, RCPT, DATA, RSET, QUIT; no TLS, no AUTH) and an HTTP server that records
//! every request. Both listen on 127.0.0.1:0.

#![allow(clippy::unwrap_used, dead_code)]

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

type Mails = Arc<Mutex<Vec<(Vec<String>, String)>>>;

pub struct SmtpReceiver {
    pub port: u16,
    mails: Mails,
    /// Replies to give instead of 250 after the next DATA bodies.
    failures: Arc<Mutex<VecDeque<String>>>,
}

impl SmtpReceiver {
    pub async fn start() -> SmtpReceiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mails: Mails = Arc::default();
        let failures: Arc<Mutex<VecDeque<String>>> = Arc::default();
        let (m, f) = (mails.clone(), failures.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(session(socket, m.clone(), f.clone()));
            }
        });
        SmtpReceiver { port, mails, failures }
    }

    pub fn messages(&self) -> Vec<(Vec<String>, String)> {
        self.mails.lock().unwrap().clone()
    }

    pub fn fail_next_data(&self, n: usize, reply: &str) {
        let mut f = self.failures.lock().unwrap();
        for _ in 0..n {
            f.push_back(reply.to_string());
        }
    }
}

async fn session(socket: tokio::net::TcpStream, mails: Mails, failures: Arc<Mutex<VecDeque<String>>>) {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    let _ = write.write_all(b"220 localhost test SMTP\r\n").await;
    let mut rcpt: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let upper = line.to_ascii_uppercase();
        let reply: String = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            "250-localhost\r\n250 8BITMIME".into()
        } else if upper.starts_with("MAIL FROM") {
            rcpt.clear();
            "250 OK".into()
        } else if upper.starts_with("RCPT TO") {
            let addr = line.trim().trim_start_matches(|c: char| c != '<').trim_matches(|c| c == '<' || c == '>');
            rcpt.push(addr.to_string());
            "250 OK".into()
        } else if upper.starts_with("DATA") {
            let _ = write.write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if lines.read_line(&mut l).await.unwrap_or(0) == 0 {
                    return;
                }
                if l == ".\r\n" {
                    break;
                }
                data.push_str(&l);
            }
            match failures.lock().unwrap().pop_front() {
                Some(reply) => reply,
                None => {
                    mails.lock().unwrap().push((rcpt.clone(), data));
                    "250 OK queued".into()
                }
            }
        } else if upper.starts_with("RSET") || upper.starts_with("NOOP") {
            "250 OK".into()
        } else if upper.starts_with("QUIT") {
            let _ = write.write_all(b"221 bye\r\n").await;
            return;
        } else {
            "502 not implemented".into()
        };
        if write.write_all(format!("{reply}\r\n").as_bytes()).await.is_err() {
            return;
        }
    }
}

type Requests = Arc<Mutex<Vec<(String, HeaderMap, Bytes)>>>;

pub struct HttpReceiver {
    pub base: String,
    requests: Requests,
}

async fn record(State(r): State<Requests>, Path(path): Path<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let path = format!("/{path}");
    let fail = path == "/fail";
    r.lock().unwrap().push((path, headers, body));
    if fail { StatusCode::SERVICE_UNAVAILABLE } else { StatusCode::OK }
}

impl HttpReceiver {
    pub async fn start() -> HttpReceiver {
        let requests: Requests = Arc::default();
        let app = axum::Router::new().route("/{*path}", axum::routing::post(record)).with_state(requests.clone());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HttpReceiver { base, requests }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn count(&self, path: &str) -> usize {
        self.requests.lock().unwrap().iter().filter(|(p, _, _)| p == path).count()
    }

    pub fn request(&self, path: &str) -> (HeaderMap, Bytes) {
        let r = self.requests.lock().unwrap();
        let (_, h, b) = r.iter().rev().find(|(p, _, _)| p == path).unwrap_or_else(|| panic!("no request to {path}"));
        (h.clone(), b.clone())
    }

    pub fn body_json(&self, path: &str) -> serde_json::Value {
        serde_json::from_slice(&self.request(path).1).unwrap()
    }
}
