//! Export (docs/data-rules.md): everything the store holds about one client, in pages: its
//! records, read state and pending uploads on the first page, then the messages it sent and
//! received (current state), each page with short-lived links to its messages' files.

use crate::domain::{
    ClientId, Direction, EpochMillis, ExportCursor, ExportPage, ExportedFile, Message, Requester,
    Retention, UploadState, DOWNLOAD_URL_TTL_S, EXPORT_PAGE_MESSAGES,
};
use crate::error::ChatError;
use crate::files::Files;
use crate::store::Store;

use super::admit::RateCheck;

/// What an export request asks for.
pub struct ExportRequest<'a> {
    pub requester: &'a Requester,
    pub subject: &'a ClientId,
    /// `None`: the first page.
    pub cursor: Option<ExportCursor>,
}

/// One page of `subject`'s export for `requester` (the client itself, an administrator or the
/// booking backend). A person's page draws a token from its read bucket (`reads`).
pub async fn export(
    store: &dyn Store,
    files: Option<&dyn Files>,
    reads: RateCheck<'_>,
    retention: Retention,
    request: ExportRequest<'_>,
) -> Result<ExportPage, ChatError> {
    let ExportRequest {
        requester,
        subject,
        cursor,
    } = request;
    if !requester.may_export(subject) {
        return Err(ChatError::Forbidden(
            "a client's data is exported for the client itself or an administrator",
        ));
    }
    if let Some(caller) = requester.client_id() {
        reads.take_for(caller).await?;
    }
    let now_ms = reads.now_ms;
    let first = cursor.is_none();
    let cursor = cursor.unwrap_or(ExportCursor {
        direction: Direction::Sent,
        after: None,
    });
    let mut page = ExportPage {
        client: subject.clone(),
        exported_at_ms: now_ms,
        records: None,
        read_state: Vec::new(),
        uploads: Vec::new(),
        messages: Vec::new(),
        attachments: Vec::new(),
        next: None,
    };
    if first {
        let (records, entries, listed) = tokio::join!(
            store.client_records(subject),
            store.inbox_entries(subject),
            store.upload_ids_of(subject)
        );
        page.records = Some(records?);
        let floor = retention.floor(now_ms);
        page.read_state = (entries?.into_iter())
            .filter(|(_, e)| super::retention::entry_alive(e, floor.as_ref()))
            .collect();
        // Attached uploads come with their messages; pending ones are listed here.
        page.uploads = (store.uploads(&listed?).await?.into_iter())
            .filter(|u| &u.owner == subject && matches!(u.state, UploadState::Pending { .. }))
            .collect();
    }
    let found = store
        .messages_of(
            subject,
            cursor.direction,
            cursor.after.as_ref(),
            EXPORT_PAGE_MESSAGES,
        )
        .await?;
    page.messages = (found.messages.into_iter())
        .filter(|m| !retention.expired(&m.message_id, now_ms))
        .collect();
    page.next = match (found.next, cursor.direction) {
        (Some(after), direction) => Some(ExportCursor {
            direction,
            after: Some(after),
        }),
        (None, Direction::Sent) => Some(ExportCursor {
            direction: Direction::Received,
            after: None,
        }),
        (None, Direction::Received) => None,
    };
    if let Some(files) = files {
        page.attachments = links(files, &page.messages, now_ms).await?;
    }
    Ok(page)
}

/// A presigned GET for every file of `messages` (a local computation each).
async fn links(
    files: &dyn Files,
    messages: &[Message],
    now_ms: EpochMillis,
) -> Result<Vec<ExportedFile>, ChatError> {
    let mut links = Vec::new();
    for message in messages {
        for attachment in &message.attachments {
            let key = attachment.attachment_id.object_key();
            let url = files
                .presign_download(&key, attachment, now_ms, DOWNLOAD_URL_TTL_S)
                .await?;
            links.push(ExportedFile {
                message_id: message.message_id.clone(),
                attachment: attachment.clone(),
                url: url.url,
                url_expires_at_ms: url.expires_at_ms,
            });
        }
    }
    Ok(links)
}
