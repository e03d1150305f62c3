//! JSON-RPC over stdio with `Content-Length` framing. A message that is not valid JSON-RPC is
//! answered with a parse error and the server goes on reading; the transport only ends when the
//! client closes its end.

use std::io::{BufRead, Read, Write};

use lsp_server::{ErrorCode, Message, RequestId, Response};

/// What the reader got.
pub enum Incoming {
    Message(Message),
    /// A frame whose body is not a JSON-RPC message; the text says why.
    Malformed(String),
    /// The client closed the stream.
    Closed,
}

/// Limits a frame so that a hostile `Content-Length` cannot allocate without bound.
const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

pub fn read(input: &mut impl BufRead) -> Incoming {
    let mut length: Option<usize> = None;
    loop {
        let mut header = String::new();
        match input.read_line(&mut header) {
            Ok(0) | Err(_) => return Incoming::Closed,
            Ok(_) => {}
        }
        let header = header.trim_end_matches(['\r', '\n']);
        if header.is_empty() {
            if length.is_some() {
                break;
            }
            // Blank lines between frames are tolerated.
            continue;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
            if length.is_none() {
                return Incoming::Malformed(format!("invalid Content-Length `{}`", value.trim()));
            }
        }
    }
    let length = length.unwrap_or(0);
    if length > MAX_FRAME_BYTES {
        // Skip the body without keeping it.
        let _ = std::io::copy(
            &mut input.by_ref().take(length as u64),
            &mut std::io::sink(),
        );
        return Incoming::Malformed(format!("message of {length} bytes is over the limit"));
    }
    let mut body = vec![0; length];
    if input.read_exact(&mut body).is_err() {
        return Incoming::Closed;
    }
    match serde_json::from_slice::<Message>(&body) {
        Ok(message) => Incoming::Message(message),
        Err(error) => Incoming::Malformed(format!("not a JSON-RPC message: {error}")),
    }
}

pub fn write(output: &mut impl Write, message: &Message) -> std::io::Result<()> {
    message.write(output)?;
    output.flush()
}

/// The answer to a malformed frame: a parse error with a null id, as JSON-RPC asks.
pub fn parse_error(reason: String) -> Message {
    let mut response = Response::new_err(RequestId::from(0), ErrorCode::ParseError as i32, reason);
    // JSON-RPC wants `id: null` for errors about messages whose id could not be read.
    response.id = RequestId::from(String::new());
    Message::Response(response)
}
