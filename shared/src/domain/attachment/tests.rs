use super::*;

#[test]
fn only_the_allowlisted_types_parse_whatever_their_case_and_parameters() {
    assert_eq!(FileType::parse("image/PNG"), Some(FileType::Png));
    assert_eq!(
        FileType::parse("text/plain; charset=utf-8"),
        Some(FileType::Text)
    );
    for refused in [
        "text/html",
        "image/svg+xml",
        "application/javascript",
        "application/xhtml+xml",
        "text/xml",
        "",
        "image/png\0",
    ] {
        assert_eq!(FileType::parse(refused), None, "{refused:?}");
    }
}

#[test]
fn first_bytes_must_be_of_the_declared_type() {
    assert!(FileType::Png.matches(b"\x89PNG\r\n\x1a\n rest"));
    assert!(!FileType::Png.matches(b"<html><script>alert(1)</script>"));
    assert!(FileType::Jpeg.matches(&[0xFF, 0xD8, 0xFF, 0xE0]));
    assert!(FileType::Gif.matches(b"GIF89a..."));
    assert!(FileType::Webp.matches(b"RIFF\x10\0\0\0WEBPVP8 "));
    assert!(!FileType::Webp.matches(b"RIFF\x10\0\0\0WAVEfmt "));
    assert!(FileType::Pdf.matches(b"%PDF-1.7\n"));
    assert!(!FileType::Pdf.matches(b"%!PS-Adobe"));
    assert!(FileType::Text.matches("plain words, é".as_bytes()));
    // A character cut by the 64-byte range is still text; invalid UTF-8 and NUL are not.
    assert!(FileType::Text.matches(&"é".as_bytes()[..1]));
    assert!(!FileType::Text.matches(b"\xFF\xFEa\0b\0"));
    assert!(!FileType::Text.matches(b"a\0b"));
}

#[test]
fn file_names_are_plain_names_with_their_types_extension() {
    assert!(FileName::parse("x-ray 2.PNG", FileType::Png).is_ok());
    assert!(FileName::parse("scan.jpeg", FileType::Jpeg).is_ok());
    for bad in [
        "",
        ".png",
        "../../etc/passwd.png",
        "a/b.png",
        "a\\b.png",
        "a\0.png",
        "a\n.png",
        " a.png",
        "a.png ",
        "photo.html",
        "photo",
        "photo.png.html",
        ".",
        "..",
    ] {
        assert!(FileName::parse(bad, FileType::Png).is_err(), "{bad:?}");
    }
    assert!(FileName::parse(&format!("{}.png", "a".repeat(251)), FileType::Png).is_ok());
    assert!(FileName::parse(&format!("{}.png", "a".repeat(252)), FileType::Png).is_err());
}

#[test]
fn upload_requests_are_refused_with_their_own_reasons() {
    let refusal = |name: &str, kind: &str, size: u64| UploadRequest::parse(name, kind, size).err();
    assert_eq!(refusal("a.png", "image/png", 1), None);
    assert_eq!(
        refusal("a.png", "image/png", MAX_ATTACHMENT_BYTES + 1),
        Some(AttachmentRefusal::TooLarge.into())
    );
    assert_eq!(
        refusal("a.html", "text/html", 10),
        Some(AttachmentRefusal::TypeNotAllowed.into())
    );
    assert!(matches!(
        refusal("a.png", "image/png", 0),
        Some(UploadRefused::Validation(_))
    ));
    assert!(matches!(
        refusal("a.pdf", "image/png", 10),
        Some(UploadRefused::Validation(_))
    ));
}

#[test]
fn attachment_ids_are_ulids_and_nothing_else() {
    let id = AttachmentId::generate(1_700_000_000_000);
    assert_eq!(AttachmentId::parse(id.as_str()), Ok(id.clone()));
    assert_eq!(id.object_key(), format!("uploads/{id}"));
    for bad in [
        "",
        "../x",
        "01jf3q8t9x4m2b7c5d6e7f8g9h",
        "01JF3Q8T9X4M2B7C5D6E7F8G9",
        "#file",
    ] {
        assert!(AttachmentId::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn only_the_owner_attaches_a_pending_upload_before_it_expires() {
    let owner = ClientId::parse("u1").unwrap();
    let upload = Upload {
        attachment: Attachment {
            attachment_id: AttachmentId::generate(0),
            file_name: FileName::parse("a.png", FileType::Png).unwrap(),
            file_type: FileType::Png,
            size: 3,
        },
        owner: owner.clone(),
        created_at_ms: 0,
        state: UploadState::Pending { expires_at_s: 100 },
    };
    assert!(upload.attachable_by(&owner, 99));
    assert!(!upload.attachable_by(&owner, 100));
    assert!(!upload.attachable_by(&ClientId::parse("u2").unwrap(), 99));
    let attached = Upload {
        state: UploadState::Attached {
            message_id: MessageId::generate(1),
            peer: ClientId::parse("a1").unwrap(),
        },
        ..upload
    };
    assert!(!attached.attachable_by(&owner, 99));
}
