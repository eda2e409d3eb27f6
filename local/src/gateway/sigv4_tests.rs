use super::*;
use axum::http::HeaderValue;

fn keys(secret: &str) -> Credentials {
    Credentials {
        access_key_id: "local".into(),
        secret_access_key: secret.into(),
    }
}

const PATH: &str = "/@connections/AbCdEfGhIjKlMnO%3D";

/// Headers of a POST signed by `aws-sigv4` as the SDK signs it, at `at`.
fn signed(secret: &str, body: &[u8], at: SystemTime) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:8000"));
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    let pairs: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let request = SignableRequest::new(
        "POST",
        PATH,
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let identity = SdkCredentials::new("local", secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("execute-api")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let (instructions, _) = sign(request, &params).unwrap().into_parts();
    for (name, value) in instructions.headers() {
        headers.insert(
            axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    headers
}

fn check(headers: &HeaderMap, body: &[u8], now: SystemTime) -> Result<(), Refusal> {
    let uri: Uri = PATH.parse().unwrap();
    verify(&keys("s3cret"), &Method::POST, &uri, headers, body, now)
}

#[test]
fn a_request_signed_with_the_configured_keys_passes() {
    let now = SystemTime::now();
    assert_eq!(check(&signed("s3cret", b"{}", now), b"{}", now), Ok(()));
    // Within the window either way.
    let a_bit = Duration::from_secs(240);
    assert_eq!(
        check(&signed("s3cret", b"{}", now - a_bit), b"{}", now),
        Ok(())
    );
    assert_eq!(
        check(&signed("s3cret", b"{}", now + a_bit), b"{}", now),
        Ok(())
    );
}

#[test]
fn unsigned_wrong_secret_and_tampered_requests_are_refused() {
    let now = SystemTime::now();
    assert_eq!(check(&HeaderMap::new(), b"{}", now), Err(Refusal::Missing));
    assert_eq!(
        check(&signed("other", b"{}", now), b"{}", now),
        Err(Refusal::Mismatch)
    );
    assert_eq!(
        check(&signed("s3cret", b"{}", now), b"{\"forged\":1}", now),
        Err(Refusal::Mismatch)
    );
    let mut headers = signed("s3cret", b"{}", now);
    headers.insert("content-type", HeaderValue::from_static("text/plain"));
    assert_eq!(check(&headers, b"{}", now), Err(Refusal::Mismatch));
    let uri: Uri = "/@connections/Another0000000%3D".parse().unwrap();
    let headers = signed("s3cret", b"{}", now);
    let other_id = verify(&keys("s3cret"), &Method::POST, &uri, &headers, b"{}", now);
    assert_eq!(other_id, Err(Refusal::Mismatch));
    let as_delete = verify(
        &keys("s3cret"),
        &Method::DELETE,
        &PATH.parse().unwrap(),
        &headers,
        b"{}",
        now,
    );
    assert_eq!(as_delete, Err(Refusal::Mismatch));
}

#[test]
fn another_access_key_id_is_unrecognized() {
    let now = SystemTime::now();
    let headers = signed("s3cret", b"{}", now);
    let uri: Uri = PATH.parse().unwrap();
    let other = Credentials {
        access_key_id: "AKIDOTHER".into(),
        secret_access_key: "s3cret".into(),
    };
    assert_eq!(
        verify(&other, &Method::POST, &uri, &headers, b"{}", now),
        Err(Refusal::UnknownKey)
    );
}

#[test]
fn signatures_older_or_newer_than_five_minutes_are_refused() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_527_619);
    let stale = check(
        &signed("s3cret", b"{}", now - Duration::from_secs(301)),
        b"{}",
        now,
    );
    assert_eq!(
        stale,
        Err(Refusal::Skewed(
            "Signature expired: 20261124T133518Z is now earlier than 20261124T133519Z \
             (20261124T134019Z - 5 min.)"
                .into()
        ))
    );
    let ahead = check(
        &signed("s3cret", b"{}", now + Duration::from_secs(301)),
        b"{}",
        now,
    );
    assert!(matches!(ahead, Err(Refusal::Skewed(m)) if m.starts_with("Signature not yet current")));
}

#[test]
fn malformed_authorization_headers_are_refused() {
    let now = SystemTime::now();
    for value in [
        "Bearer abc",
        "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api/aws4_request",
        "AWS4-HMAC-SHA256 Credential=local, SignedHeaders=host;x-amz-date, Signature=00",
        "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/execute-api/aws4_request, \
         SignedHeaders=x-amz-date, Signature=00",
    ] {
        let mut headers = signed("s3cret", b"{}", now);
        headers.insert("authorization", HeaderValue::from_str(value).unwrap());
        let refusal = check(&headers, b"{}", now).unwrap_err();
        assert_eq!(
            refusal.error_type(),
            "IncompleteSignatureException",
            "{value}"
        );
    }
    let mut twice = signed("s3cret", b"{}", now);
    let first = twice.get("authorization").unwrap().clone();
    twice.append("authorization", first);
    assert!(matches!(
        check(&twice, b"{}", now),
        Err(Refusal::Malformed(_))
    ));
}

#[test]
fn amz_dates_round_trip() {
    let t = parse_amz_date("20261124T134019Z").unwrap();
    assert_eq!(amz_date(t), "20261124T134019Z");
    assert_eq!(parse_amz_date("2026-11-24T13:40:19Z"), None);
    assert_eq!(parse_amz_date("20261324T134019Z"), None);
}

#[test]
fn a_presigned_query_string_is_not_a_signature_here() {
    let now = SystemTime::now();
    let uri: Uri = format!(
        "{PATH}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=local%2F20260101%2Fus-east-1\
         %2Fexecute-api%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=00"
    )
    .parse()
    .unwrap();
    let headers = HeaderMap::new();
    let refused = verify(&keys("s3cret"), &Method::POST, &uri, &headers, b"{}", now);
    assert_eq!(refused, Err(Refusal::Missing));
}
