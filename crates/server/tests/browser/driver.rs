//! Headless Chromium through Debian's chromedriver (`apt-get install chromium chromium-driver`).
//!
//! Each test gets its own chromedriver (on a port it picks itself) and a fresh browser profile,
//! and the tests take turns: two cores do not run several Chromiums and the server well. No
//! tool downloads a browser; when the packages are missing the tests say SKIPPED and pass,
//! unless `STEWARD_BROWSER_TESTS=required` (CI sets it after installing them).

use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};

const INSTALL: &str = "DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver";
/// Large enough that the pages' screenshots show the whole first screen of a desktop.
const WINDOW: &str = "--window-size=1280,1100";
/// How long an element may take to appear after a click or a navigation.
const WAIT: Duration = Duration::from_secs(20);

/// One browser at a time, across the tests of this binary.
static TURN: Mutex<()> = Mutex::const_new(());

/// A signed-out browser on a fresh profile; [`Browser::finish`] closes it.
pub struct Browser {
    pub client: Client,
    chromedriver: Child,
    /// Chromium's main process, killed if a failing test never reaches `finish`.
    chromium_pid: Option<u64>,
    closed: bool,
    _profile: tempfile::TempDir,
    _turn: MutexGuard<'static, ()>,
}

/// Start Chromium, or `None` (after printing SKIPPED) when the packages are not installed.
pub async fn start(test: &str) -> Option<Browser> {
    let (Some(chromedriver), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        if std::env::var("STEWARD_BROWSER_TESTS").is_ok_and(|v| v == "required") {
            panic!("STEWARD_BROWSER_TESTS=required but chromium or chromedriver is missing; install: {INSTALL}");
        }
        eprintln!("SKIPPED {test}: chromium and chromedriver are not installed ({INSTALL})");
        return None;
    };
    let turn = TURN.lock().await;
    let (child, port) = spawn_chromedriver(&chromedriver).await;
    let profile = tempfile::tempdir().expect("a temp dir for the browser profile");
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities(&chromium, profile.path()))
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("chromedriver did not start Chromium ({}): {e}", chromium.display()));
    let chromium_pid = client.capabilities().and_then(|c| c.get("goog:processID")).and_then(|p| p.as_u64());
    Some(Browser { client, chromedriver: child, chromium_pid, closed: false, _profile: profile, _turn: turn })
}

/// The browser's own options: headless, and nothing that reaches out to Google's services
/// (this machine's closed network refuses those connections, and tests must not depend on them).
fn capabilities(chromium: &Path, profile: &Path) -> Capabilities {
    let args = [
        "--headless".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-dev-shm-usage".into(),
        WINDOW.into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    match caps {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("a JSON object literal"),
    }
}

/// chromedriver on a port of its own choosing (`--port=0`), read back from its first lines.
async fn spawn_chromedriver(path: &Path) -> (Child, u16) {
    let mut child = Command::new(path)
        .arg("--port=0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
    let stdout = child.stdout.take().expect("chromedriver's stdout is piped");
    let (tx, rx) = tokio::sync::oneshot::channel();
    // Reads the port, then keeps draining, so chromedriver never blocks on a full pipe.
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(port) = line.split("started successfully on port ").nth(1) {
                let port = port.trim_end_matches('.').trim().parse::<u16>().ok();
                if let Some(tx) = tx.take() {
                    let _ = tx.send(port);
                }
            }
        }
    });
    match tokio::time::timeout(WAIT, rx).await {
        Ok(Ok(Some(port))) => (child, port),
        other => {
            let _ = child.kill();
            panic!("chromedriver did not report its port: {other:?}");
        }
    }
}

/// An executable on the PATH (Debian installs both into /usr/bin).
fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin".into());
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The element, once it is there (pages load after clicks).
    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {css} on {}: {e}", self.url_or_unknown().await),
        }
    }

    pub async fn find_all(&self, css: &str) -> Vec<fantoccini::elements::Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap_or_else(|e| panic!("find {css}: {e}"))
    }

    /// The element's text. An element found just before a navigation replaced the page is
    /// stale: it is looked up again on the new page rather than failing.
    pub async fn text(&self, css: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if e.to_string().contains("stale element") && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("text of {css}: {e}"),
            }
        }
    }

    /// Wait until the element's text contains `needle` (a form posted to the page it is on
    /// keeps the URL, so the URL cannot tell that the new page has arrived).
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let text = self.text(css).await;
            if text.contains(needle) {
                return text;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("{css} never showed {needle:?}; it shows {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Type into a field (emptied first).
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap_or_else(|e| panic!("clear {css}: {e}"));
        field.send_keys(value).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css).await.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {css}: {e}"));
    }

    /// Click (chromedriver waits for a navigation the click starts; callers then wait for what
    /// they expect on the next page).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Wait until the current URL satisfies `ok` (a form's GET submission, a redirect).
    pub async fn wait_for_url(&self, what: &str, ok: impl Fn(&url::Url) -> bool) -> url::Url {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let url = self.url().await;
            if ok(&url) {
                return url;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("the browser never reached {what}; it is at {url}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("the current URL")
    }

    async fn url_or_unknown(&self) -> String {
        self.client.current_url().await.map(|u| u.to_string()).unwrap_or_else(|_| "an unknown page".into())
    }

    /// The whole document's text as a person reads it.
    pub async fn page_text(&self) -> String {
        self.text("body").await
    }

    /// Save what the browser shows to target/browser-screenshots/<flow>.png.
    pub async fn screenshot(&self, flow: &str) {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {flow}: {e}"));
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("create {}: {e}", dir.display()));
        let file = dir.join(format!("{flow}.png"));
        std::fs::write(&file, png).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    }

    /// Close the browser and chromedriver.
    pub async fn finish(mut self) {
        let client = self.client.clone();
        if client.close().await.is_ok() {
            self.closed = true;
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failing test panics before `finish`: without its session closed Chromium would
        // outlive chromedriver, so end it by its process id.
        if !self.closed
            && let Some(pid) = self.chromium_pid
        {
            let _ = Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

/// `target/browser-screenshots`, beside the build output (`CARGO_TARGET_DIR` when set).
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("browser-screenshots")
}
