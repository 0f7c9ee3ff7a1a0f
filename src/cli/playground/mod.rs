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
//! background, holding its turn. The trade-off: the one async runtime serves both the
//! page and the API; slow clients (many idle connections) are left to a proxy in
//! front.

mod api;
mod assets;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use tokio::sync::Semaphore;

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

/// What every handler shares: the turns for jobs.
#[derive(Clone)]
struct Shared {
    jobs: Arc<Semaphore>,
}

/// `lox playground`: serves until the process is stopped.
pub fn serve(host: IpAddr, port: u16, open: bool) -> i32 {
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
        let listener = match tokio::net::TcpListener::bind(SocketAddr::new(host, port)).await {
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
        match axum::serve(listener, app()).await {
            Ok(()) => EXIT_OK,
            Err(e) => {
                stream::error(&format!("The server stopped: {e}.\n"));
                EXIT_IO
            }
        }
    })
}

/// The routes: the page, its files, and the API.
fn app() -> Router {
    let shared = Shared {
        jobs: Arc::new(Semaphore::new(MAX_JOBS)),
    };
    let mut router = Router::new()
        .route("/", get(|| async { assets::page() }))
        .route("/assets/{name}", get(assets::file))
        .route("/api/limits", get(|| async { axum::Json(api::limits()) }));
    for kind in api::Kind::ALL {
        router = router.route(
            &format!("/api/{}", kind.name()),
            post(
                move |state: State<Shared>, body: Result<Bytes, BytesRejection>| {
                    handle(state, kind, body)
                },
            ),
        );
    }
    router
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "No such page.") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(shared)
}

/// One API request: read and check the body, wait for a turn, run the job on a
/// blocking thread, answer within `REQUEST_TIME`.
async fn handle(
    State(shared): State<Shared>,
    kind: api::Kind,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                &format!("The request is larger than {MAX_BODY_BYTES} bytes."),
            );
        }
        Err(rejection) => {
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
        // The turn is held until the job ends, even after a timeout's answer.
        let _permit = permit;
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
