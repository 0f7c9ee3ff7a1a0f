//! `lox playground`: placeholder while the server is written.
pub fn serve(_host: std::net::IpAddr, _port: u16, _open: bool) -> i32 {
    0
}
