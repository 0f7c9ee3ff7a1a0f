//! `lox playground`: an HTTP server (axum on tokio) for the playground page and its
//! JSON API (docs/playground.md). The page's files are built into the binary
//! (`assets`); the compiler and the VM run here, on the server (`api`), because there
//! is no WebAssembly build yet: every API call takes a whole program and answers with
//! plain data, so a WebAssembly build of `api` could take the server's place.
//!
//! The server is meant to survive the internet: it listens on 127.0.0.1 unless told
//! otherwise; a body larger than `MAX_BODY_BYTES` is refused; at most `MAX_JOBS`
//! compilations and runs go at once, each on a blocking thread of tokio's pool, and a
//! request that cannot get a turn within `QUEUE_WAIT` is told the server is busy
//! (503); each run has a step budget, a heap limit, an output limit and a wall-clock
//! limit (`api::vm_options`), and a request that still takes longer than
//! `REQUEST_TIME` is answered with a timeout (504) while its job finishes in the
//! background, holding its turn.
//!
//! Clients are limited too (`ClientLimits`): a client has `SEND_TIME` to send a
//! request's head (hyper's header read timeout, which also closes a connection left
//! idle between requests), as long again for its body (408), and as long for each
//! write of an answer to make progress (a write timeout on the socket), so a silent,
//! trickling or never-reading client cannot hold a connection for long; and one
//! address may have at
//! most `CLIENT_RUNS` compilations and runs going and `CLIENT_CONNECTIONS` connections
//! open, beyond which it is told the server is busy (503). That is why the server has
//! its own accept loop (`serve_connections`), which serves axum's router through
//! hyper as `axum::serve` does, rather than `axum::serve`, which offers neither. The
//! trade-off: the one async runtime serves both the page and the API, and clients
//! behind one proxy share one address and its limits.

mod api;
mod assets;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::Layer;

use super::{EXIT_IO, EXIT_OK, stream};

/// The largest request body: a program of this many bytes is far beyond anything one
/// types into a page, and small enough that parsing it is quick.
pub const MAX_BODY_BYTES: usize = 512 << 10;
/// Compilations and runs at once: one per core is what the machine can do; a few more
/// keep short requests from waiting behind long ones.
pub const MAX_JOBS: usize = 4;
/// How long a request waits for a turn before the answer is "busy".
pub const QUEUE_WAIT: Duration = Duration::from_secs(1);
/// The longest a request may take from its turn to its answer, whatever it does:
/// longer than any run's own limit (`api::RUN_TIME`), so it only catches the
/// unforeseen.
pub const REQUEST_TIME: Duration = Duration::from_secs(10);

/// How long a client may take to send a request's head, then as long again for its
/// body, and as long to take each part of an answer that the server is stuck writing
/// (`--request-timeout`): a person's browser sends a request and reads its answer in
/// milliseconds; a client that takes seconds is broken or hostile, and each such
/// client holds a connection and a task meanwhile.
pub const SEND_TIME: Duration = Duration::from_secs(10);
/// Compilations and runs one client address may have going at once (`--client-runs`):
/// the page makes one call at a time, and a second covers a second tab; one address
/// can then take at most half of the `MAX_JOBS` turns.
pub const CLIENT_RUNS: usize = 2;
/// Connections one client address may have open at once (`--client-connections`): a
/// browser opens at most six to one server; more than twice that from one address
/// is someone holding connections.
pub const CLIENT_CONNECTIONS: usize = 16;
/// How long the accept loop pauses after a failed accept (out of file descriptors,
/// say) before it tries again, so that it does not spin.
const ACCEPT_PAUSE: Duration = Duration::from_millis(50);

/// The limits on each client of the server; the defaults are `SEND_TIME`,
/// `CLIENT_RUNS` and `CLIENT_CONNECTIONS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientLimits {
    /// The time a client has to send a request's head, then its body, and to take
    /// each part of an answer.
    pub request_time: Duration,
    /// Compilations and runs one address may have going at once.
    pub runs: usize,
    /// Connections one address may have open at once.
    pub connections: usize,
}

impl Default for ClientLimits {
    fn default() -> ClientLimits {
        ClientLimits {
            request_time: SEND_TIME,
            runs: CLIENT_RUNS,
            connections: CLIENT_CONNECTIONS,
        }
    }
}

/// What every handler shares: the turns for jobs, and what each client holds.
#[derive(Clone)]
struct Shared {
    jobs: Arc<Semaphore>,
    clients: Arc<Clients>,
    limits: ClientLimits,
}

/// What each client address holds at the moment. An address is in the map only while
/// it holds something, so the map is no larger than the connections open.
#[derive(Default)]
struct Clients {
    held: Mutex<HashMap<IpAddr, Held>>,
}

/// The connections and runs one address holds.
#[derive(Clone, Copy, Default)]
struct Held {
    connections: usize,
    runs: usize,
}

/// Which of its limits a client uses.
#[derive(Clone, Copy)]
enum Use {
    Connection,
    Run,
}

impl Held {
    fn count(&mut self, what: Use) -> &mut usize {
        match what {
            Use::Connection => &mut self.connections,
            Use::Run => &mut self.runs,
        }
    }
}

impl Clients {
    /// One more connection or run for `address`, if it has fewer than `cap`; given
    /// back when the `Hold` is dropped.
    fn take(self: &Arc<Self>, address: IpAddr, what: Use, cap: usize) -> Option<Hold> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let entry = held.entry(address).or_default();
        if *entry.count(what) >= cap {
            if entry.connections == 0 && entry.runs == 0 {
                held.remove(&address);
            }
            return None;
        }
        *entry.count(what) += 1;
        Some(Hold {
            clients: Arc::clone(self),
            address,
            what,
        })
    }
}

/// A connection or a run a client holds, given back when dropped.
struct Hold {
    clients: Arc<Clients>,
    address: IpAddr,
    what: Use,
}

impl Drop for Hold {
    fn drop(&mut self) {
        let mut held = self.clients.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = held.get_mut(&self.address) {
            let count = entry.count(self.what);
            *count = count.saturating_sub(1);
            if entry.connections == 0 && entry.runs == 0 {
                held.remove(&self.address);
            }
        }
    }
}

/// `lox playground`: serves until the process is stopped.
pub fn serve(host: IpAddr, port: u16, open: bool, limits: ClientLimits) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(MAX_JOBS + 2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            stream::error(&format!("Could not start the server: {e}.\n"));
            return EXIT_IO;
        }
    };
    runtime.block_on(async move {
        let listener = match TcpListener::bind(SocketAddr::new(host, port)).await {
            Ok(listener) => listener,
            Err(e) => {
                stream::error(&format!(
                    "Could not listen on {}: {}.\n",
                    SocketAddr::new(host, port),
                    stream::reason(&e)
                ));
                return EXIT_IO;
            }
        };
        let address = listener.local_addr().map_or_else(
            |_| SocketAddr::new(host, port).to_string(),
            |a| a.to_string(),
        );
        let url = format!("http://{address}/");
        // Tests and scripts read the address from this line.
        if stream::print(&format!("lox playground: listening on {url}\n")).is_err() {
            return EXIT_IO;
        }
        if open {
            open_browser(&url);
        }
        serve_connections(listener, limits).await;
        EXIT_OK
    })
}

/// Accepts connections for ever, each served on its own task: by the router if its
/// address has fewer than `limits.connections` open, else by an answer that the
/// server is busy.
async fn serve_connections(listener: TcpListener, limits: ClientLimits) {
    let shared = Shared {
        jobs: Arc::new(Semaphore::new(MAX_JOBS)),
        clients: Arc::default(),
        limits,
    };
    let router = app(shared.clone());
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                tokio::time::sleep(ACCEPT_PAUSE).await;
                continue;
            }
        };
        let hold = shared
            .clients
            .take(peer.ip(), Use::Connection, limits.connections);
        tokio::spawn(connection(
            stream,
            peer,
            hold,
            router.clone(),
            limits.request_time,
        ));
    }
}

/// Serves one connection over HTTP/1.1, with `send_time` for each request's head and
/// for each write of an answer to make progress. Without a `hold` (its address has
/// too many connections), every request on it is answered "busy" and the connection
/// closed.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    hold: Option<Hold>,
    router: Router,
    send_time: Duration,
) {
    let _ = stream.set_nodelay(true);
    let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
    stream.set_write_timeout(Some(send_time));
    let io = TokioIo::new(Box::pin(stream));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(send_time);
    // The connection ends with an error when a client goes away or is too slow; there
    // is no one to tell.
    if let Some(_hold) = hold {
        // The handlers learn the client's address from the request.
        let service = TowerToHyperService::new(Extension(ConnectInfo(peer)).layer(router));
        let _ = http.serve_connection(io, service).await;
    } else {
        http.keep_alive(false);
        let service = hyper::service::service_fn(|_| async {
            Ok::<_, Infallible>(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Too many connections from your address; close some and try again.",
            ))
        });
        let _ = http.serve_connection(io, service).await;
    }
}

/// The routes: the page, its files, and the API.
fn app(shared: Shared) -> Router {
    let client = shared.limits;
    let mut router = Router::new()
        .route("/", get(|| async { assets::page() }))
        .route("/assets/{name}", get(assets::file))
        .route(
            "/api/limits",
            get(move || async move {
                let mut limits = api::limits();
                limits["request_timeout_ms"] = json!(client.request_time.as_millis() as u64);
                limits["client_runs"] = json!(client.runs);
                limits["client_connections"] = json!(client.connections);
                axum::Json(limits)
            }),
        );
    for kind in api::Kind::ALL {
        router = router.route(
            &format!("/api/{}", kind.name()),
            post(
                move |state: State<Shared>, client: ConnectInfo<SocketAddr>, request: Request| {
                    handle(state, client, kind, request)
                },
            ),
        );
    }
    router
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "No such page.") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// One API request: read the body within the client's time, check it, take one of the
/// client's runs, wait for a turn, run the job on a blocking thread, answer within
/// `REQUEST_TIME`.
async fn handle(
    State(shared): State<Shared>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    kind: api::Kind,
    request: Request,
) -> Response {
    let send_time = shared.limits.request_time;
    let body = match tokio::time::timeout(send_time, Bytes::from_request(request, &shared)).await {
        Err(_) => {
            // The rest of the body is not read: the connection cannot carry another
            // request, so it is closed.
            let mut response = error(
                StatusCode::REQUEST_TIMEOUT,
                "slow_request",
                &format!(
                    "The request's body did not arrive within {} s.",
                    send_time.as_secs_f64()
                ),
            );
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
            return response;
        }
        Ok(Ok(body)) => body,
        Ok(Err(rejection)) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &format!("The request is larger than {MAX_BODY_BYTES} bytes."),
            );
        }
        Ok(Err(rejection)) => {
            return error(rejection.status(), "bad_request", &rejection.body_text());
        }
    };
    let request: api::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("The request is not the JSON expected: {e}."),
            );
        }
    };
    let Some(run) = shared
        .clients
        .take(client.ip(), Use::Run, shared.limits.runs)
    else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            &format!(
                "Your address already has {} programs compiling or running; wait for \
                 them to finish.",
                shared.limits.runs
            ),
        );
    };
    let permit = match tokio::time::timeout(QUEUE_WAIT, shared.jobs.acquire_owned()).await {
        Ok(Ok(permit)) => permit,
        _ => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "The server is busy running other programs; try again in a moment.",
            );
        }
    };
    let job = tokio::task::spawn_blocking(move || {
        // The turn and the client's run are held until the job ends, even after a
        // timeout's answer.
        let _permit = permit;
        let _run = run;
        api::answer(kind, &request)
    });
    match tokio::time::timeout(REQUEST_TIME, job).await {
        Ok(Ok(answer)) => axum::Json(answer).into_response(),
        Ok(Err(_)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "The job failed: this is a bug in loxide.",
        ),
        Err(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            "The request took too long.",
        ),
    }
}

/// An error answer: `{"error": KIND, "message": TEXT}` with its status.
fn error(status: StatusCode, kind: &str, message: &str) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(json!({"error": kind, "message": message})),
    )
        .into_response()
}

/// Starts the system's browser on `url`, without waiting for it.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
    {
        stream::error(&format!(
            "Could not open a browser ({opener}: {}); open {url} yourself.\n",
            stream::reason(&e)
        ));
    }
}
