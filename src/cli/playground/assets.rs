//! The page's files, built into the binary so that `lox playground` needs nothing
//! beside it. They are built from web/playground/src by `npm run build` and committed
//! (web/playground/dist); `.ci/run` rebuilds them and fails if they differ.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The files under `/assets/`: name, content type, content.
const FILES: &[(&str, &str, &str)] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/playground/dist/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/playground/dist/app.css"),
    ),
];

/// The page itself.
pub fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../../web/playground/dist/index.html"),
    )
        .into_response()
}

/// One of the page's files, by name.
pub async fn file(Path(name): Path<String>) -> Response {
    match FILES.iter().find(|(file, _, _)| *file == name) {
        Some((_, kind, content)) => (
            [
                (header::CONTENT_TYPE, *kind),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            *content,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "No such file.").into_response(),
    }
}
