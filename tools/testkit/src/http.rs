//! A small HTTP/1.1 client for testing `lox playground`: one request per connection
//! (`Connection: close`), the answer read to its end, a plain or chunked body. Enough
//! for a server the tests start themselves; not a general client (no redirects, no
//! TLS, no keep-alive).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// Sends one request to `address` (`host:port`) and returns the status and the body.
/// `timeout` bounds each read and write.
pub fn request(
    address: &str,
    method: &str,
    path: &str,
    body: &[u8],
    timeout: Duration,
) -> io::Result<(u16, Vec<u8>)> {
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    // The server may answer (and close) before reading all of a body it refuses: the
    // answer is what counts.
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    parse(&response).ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "not an HTTP answer"))
}

/// Splits an HTTP/1.1 answer into its status and body (plain or chunked).
pub fn parse(response: &[u8]) -> Option<(u16, Vec<u8>)> {
    let split = response.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&response[..split]).to_ascii_lowercase();
    let status = head.split_whitespace().nth(1)?.parse().ok()?;
    let body = &response[split + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return Some((status, body.to_vec()));
    }
    let mut plain = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&rest[..line_end]).trim(), 16).ok()?;
        if size == 0 {
            return Some((status, plain));
        }
        let chunk = rest.get(line_end + 2..line_end + 2 + size)?;
        plain.extend_from_slice(chunk);
        rest = rest.get(line_end + 2 + size + 2..)?;
    }
}

/// A JSON string literal for `text` (quotes and escapes), for building request bodies
/// without a JSON library.
pub fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_parse_plain_and_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi";
        assert_eq!(parse(plain), Some((200, b"hi".to_vec())));
        let chunked = b"HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse(chunked), Some((503, b"abcde".to_vec())));
        assert_eq!(parse(b"garbage"), None);
    }

    #[test]
    fn strings_are_escaped_for_json() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }
}
