//! The HTTP corpus for attachments, `POST /chat/attachments/{client_id}` and
//! `GET /chat/attachments/{client_id}/{attachment_id}`: hostile bodies, names, types, sizes and
//! path ids are refused naming the field (or with their own code: a type not allowed, a file
//! too large) before identity is looked at; then identity (401), ownership (403), and an
//! upload nobody made (404). Nothing is stored by any of them.

use serde_json::{json, Map, Value};

use super::http::{get, http_refused, HttpCase};
use super::http_cases::bad_path_ids;
use super::{nested, ADMIN, USER};

const NO_SUCH_UPLOAD: &str = "01KB0000000000000000000000";

fn good() -> Map<String, Value> {
    let Value::Object(obj) =
        json!({"file_name": "x-ray.png", "content_type": "image/png", "size": 1234})
    else {
        unreachable!()
    };
    obj
}

fn with(field: &str, value: Value) -> String {
    let mut obj = good();
    obj.insert(field.into(), value);
    Value::Object(obj).to_string()
}

fn without(field: &str) -> String {
    let mut obj = good();
    obj.remove(field);
    Value::Object(obj).to_string()
}

fn post(
    label: String,
    owner: &str,
    body: Option<String>,
    who: super::Who,
    expect: super::http::HttpExpect,
) -> HttpCase {
    HttpCase {
        label,
        method: "POST",
        target: format!("/chat/attachments/{owner}"),
        who,
        signer: None,
        body,
        expect,
    }
}

pub fn http_attachment_cases() -> Vec<HttpCase> {
    let mut cases = Vec::new();
    let refused = http_refused;
    let mut bodies: Vec<(String, Option<String>, &'static str, Option<&'static str>)> = vec![
        ("no body".into(), None, "invalid_json", None),
        ("not JSON".into(), Some("{".into()), "invalid_json", None),
        ("an array".into(), Some("[]".into()), "invalid_json", None),
        (
            "nested 10,000 deep".into(),
            Some(nested(10_000, "[", "]")),
            "invalid_json",
            None,
        ),
        (
            "a form".into(),
            Some("file_name=a.png".into()),
            "invalid_json",
            None,
        ),
    ];
    for field in ["file_name", "content_type", "size"] {
        bodies.push((
            format!("no {field}"),
            Some(without(field)),
            "validation",
            Some(field),
        ));
        for value in [json!(null), json!([]), json!({})] {
            bodies.push((
                format!("{field} {value}"),
                Some(with(field, value)),
                "validation",
                Some(field),
            ));
        }
    }
    for value in [json!(5), json!(true)] {
        bodies.push((
            format!("file_name {value}"),
            Some(with("file_name", value)),
            "validation",
            Some("file_name"),
        ));
    }
    for value in [
        json!(-1),
        json!(0),
        json!(1.5),
        json!("1234"),
        json!(1e30),
        json!(u64::MAX as f64),
    ] {
        bodies.push((
            format!("size {value}"),
            Some(with("size", value)),
            "validation",
            Some("size"),
        ));
    }
    bodies.push((
        "size one over 10 MiB".into(),
        Some(with("size", json!(10 * 1024 * 1024 + 1))),
        "file_too_large",
        None,
    ));
    bodies.push((
        "size u64::MAX".into(),
        Some(with("size", json!(u64::MAX))),
        "file_too_large",
        None,
    ));
    for kind in [
        "text/html",
        "image/svg+xml",
        "application/javascript",
        "application/xhtml+xml",
        "text/xml",
        "application/octet-stream",
        "image/png\u{0}",
        "",
        "IMAGE/PNG; x=<script>",
    ] {
        let code = if kind.starts_with("IMAGE/PNG;") {
            "validation"
        } else {
            "unsupported_file_type"
        };
        let field = (code == "validation").then_some("file_name");
        let body = if code == "validation" {
            // The type parses (case and parameters are ignored): the name must then fit it.
            with("file_name", json!("x.html")).replace("image/png", kind)
        } else {
            with("content_type", json!(kind))
        };
        bodies.push((format!("content_type {kind:.20}"), Some(body), code, field));
    }
    for name in [
        "",
        ".png",
        "../../etc/passwd.png",
        "..\\..\\boot.ini.png",
        "a/b.png",
        "/abs.png",
        "C:\\fakepath\\x.png",
        "x.png\u{0}.html",
        "x\r\nContent-Type: text/html.png",
        " x.png",
        "x.png ",
        "x.html",
        "x.png.html",
        "x.svg",
        "noextension",
        "\u{202e}gnp.html",
    ] {
        bodies.push((
            format!("file_name {name:?}"),
            Some(with("file_name", json!(name))),
            "validation",
            Some("file_name"),
        ));
    }
    bodies.push((
        "file_name 256 characters".into(),
        Some(with("file_name", json!(format!("{}.png", "a".repeat(252))))),
        "validation",
        Some("file_name"),
    ));
    bodies.push((
        "file_name 100,000 characters".into(),
        Some(with(
            "file_name",
            json!(format!("{}.png", "a".repeat(100_000))),
        )),
        "validation",
        Some("file_name"),
    ));
    for (label, body, code, field) in bodies {
        for (name, who) in [("owner", USER), ("anonymous", None)] {
            cases.push(post(
                format!("upload {label} as {name}"),
                "user123",
                body.clone(),
                who,
                refused(code, field),
            ));
        }
    }
    for (id, how) in bad_path_ids() {
        cases.push(post(
            format!("upload owner {id:.40} ({how})"),
            &id,
            Some(with("size", json!(10))),
            None,
            refused("validation", Some("client_id")),
        ));
        cases.push(get(
            format!("download owner {id:.40} ({how})"),
            format!("/chat/attachments/{id}/{NO_SUCH_UPLOAD}"),
            None,
            refused("validation", Some("client_id")),
        ));
    }
    for (id, how) in [
        (NO_SUCH_UPLOAD.to_lowercase(), "lower case"),
        ("..".into(), "dot dot"),
        ("%2E%2E%2Fsecret".into(), "encoded traversal"),
        (
            "uploads%2F01KB0000000000000000000000".into(),
            "an encoded key",
        ),
        (
            "%23file%2301KB0000000000000000000000".into(),
            "an encoded record key",
        ),
        ("0".repeat(5_000), "5,000 characters"),
        ("%FF".into(), "invalid UTF-8"),
    ] {
        for (name, who) in [("owner", USER), ("anonymous", None)] {
            cases.push(get(
                format!("download id {how} as {name}"),
                format!("/chat/attachments/user123/{id}"),
                who,
                refused("validation", Some("attachment_id")),
            ));
        }
    }
    let download = format!("/chat/attachments/user123/{NO_SUCH_UPLOAD}");
    cases.extend([
        post(
            "an upload, nobody asking".into(),
            "user123",
            Some(Value::Object(good()).to_string()),
            None,
            refused("unauthorized", None),
        ),
        post(
            "an upload for someone else".into(),
            "user123",
            Some(Value::Object(good()).to_string()),
            ADMIN,
            refused("forbidden", None),
        ),
        get(
            "a download, nobody asking",
            download.clone(),
            None,
            refused("unauthorized", None),
        ),
        get(
            "a download for someone else",
            download.clone(),
            ADMIN,
            refused("forbidden", None),
        ),
        get(
            "a download of an upload nobody made",
            download.clone(),
            USER,
            refused("attachment_not_found", None),
        ),
        get(
            "an attachment path with an extra segment",
            format!("{download}/extra"),
            USER,
            refused("not_found", None),
        ),
    ]);
    cases
}
