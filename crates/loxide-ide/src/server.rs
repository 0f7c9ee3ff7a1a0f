//! The language server (placeholder while the analysis is built).
