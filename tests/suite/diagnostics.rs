//! The rich and JSON renderings of errors (`--error-format`), as data: each program of
//! `tests/diagnostics/` is run with both formats and its standard error compared with
//! `NAME.rich` and `NAME.json` (`LOX_BLESS=1` rewrites them). The exit status is clox's
//! in every format, and the default format stays clox's.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `lox` with `args` in `dir` (so that error reports name the file as given),
/// returning the exit status and standard error.
fn lox(dir: &Path, args: &[&str], env: Option<(&str, &str)>) -> (Option<i32>, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lox"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("LOX_ERROR_FORMAT");
    if let Some((key, value)) = env {
        command.env(key, value);
    }
    let out = command.output().expect("lox runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn programs() -> (PathBuf, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("diagnostics");
    let mut names: Vec<String> = fs::read_dir(&root)
        .expect("tests/diagnostics exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "lox"))
        .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    (root, names)
}

#[test]
fn errors_render_as_tests_diagnostics_say() {
    let (root, names) = programs();
    assert!(names.len() >= 20, "{names:?}");
    let bless = std::env::var_os("LOX_BLESS").is_some();
    let mut failures = Vec::new();
    for name in &names {
        let (clox_status, clox) = lox(&root, &[name], None);
        assert!(
            matches!(clox_status, Some(65 | 70)),
            "{name}: exit {clox_status:?}"
        );
        assert!(
            clox.starts_with('[') || clox.contains("\n["),
            "{name}: {clox}"
        );
        for format in ["rich", "json"] {
            let (status, stderr) = lox(&root, &[&format!("--error-format={format}"), name], None);
            assert_eq!(status, clox_status, "{name} ({format})");
            let expected_path = root.join(name).with_extension(format);
            if bless {
                fs::write(&expected_path, &stderr).unwrap();
                continue;
            }
            let expected = fs::read_to_string(&expected_path).unwrap_or_default();
            if stderr != expected {
                failures.push(format!(
                    "{name} ({format}): stderr differs from {}:\n{stderr}",
                    expected_path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn every_json_line_is_an_object_with_the_documented_fields() {
    let (root, names) = programs();
    for name in &names {
        let (_, stderr) = lox(&root, &["--error-format=json", name], None);
        assert!(!stderr.is_empty(), "{name}");
        for line in stderr.lines() {
            let value: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{name}: {line:?} is not JSON: {e}"));
            for field in ["kind", "severity", "message", "line"] {
                assert!(
                    value.get(field).is_some(),
                    "{name}: {field} missing in {line}"
                );
            }
            match value["kind"].as_str() {
                Some("compile") => assert!(value.get("columns").is_some(), "{line}"),
                Some("runtime") => assert!(value["trace"].is_array(), "{line}"),
                other => panic!("{name}: kind {other:?}"),
            }
        }
    }
}

#[test]
fn the_environment_variable_picks_the_format_and_the_option_wins() {
    let (root, _) = programs();
    let name = "missing_semicolon.lox";
    let (_, by_option) = lox(&root, &["--error-format=json", name], None);
    let (_, by_variable) = lox(&root, &[name], Some(("LOX_ERROR_FORMAT", "json")));
    assert_eq!(by_option, by_variable);
    let (_, option_wins) = lox(
        &root,
        &["--error-format=clox", name],
        Some(("LOX_ERROR_FORMAT", "json")),
    );
    assert_eq!(
        option_wins,
        "[line 2] Error at 'print': Expect ';' after variable declaration.\n"
    );
    let (status, usage) = lox(&root, &["--error-format=xml", name], None);
    assert_eq!(status, Some(64), "{usage}");
}
