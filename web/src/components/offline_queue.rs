//! The organiser's scanner, offline: the roster of an activity ([`ScannerPack`]) kept in
//! IndexedDB with the moment it came and the server's clock then, and the queue of scans made
//! on this phone, each with the scanner's own verdict and, once synced, the server's.
//!
//! Syncing sends what the server has not confirmed, in batches of at most
//! [`shared::pass::MAX_BATCH`]; the server takes a scan sent twice once (by its id), so a
//! batch lost on a dropping network is simply sent again.

use std::cell::Cell;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use shared::{
    ApiError, ErrorCode,
    pass::{MAX_BATCH, QueuedScan, RosterStudent, ScanBatch, ScanOutcome, ScannerPack},
};
use uuid::Uuid;

use crate::{api, idb};

/// An activity's roster as this phone keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredPack {
    pub pack: ScannerPack,
    /// When this phone downloaded it (by the server's clock).
    pub downloaded_at: DateTime<Utc>,
    /// The server's clock minus this phone's, in milliseconds, when it was downloaded.
    pub offset_ms: i64,
}

impl StoredPack {
    /// Now by the server's clock, as best this phone knows it.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms)
    }
}

/// One scan in the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredScan {
    pub activity_id: i64,
    pub scan: QueuedScan,
    /// What the scanner decided against its roster.
    pub local: ScanOutcome,
    /// The student it names, when the roster (or, after sync, the server) knows them.
    pub student_id: Option<i64>,
    pub student_no: Option<String>,
    pub student_name: Option<String>,
    /// College and class, for the organiser's glance.
    pub detail: Option<String>,
    /// The server's verdict, once synced.
    pub server: Option<ScanOutcome>,
}

impl StoredScan {
    /// A new scan of `activity_id` at `scanned_at`, with the scanner's verdict on it.
    pub fn new(
        activity_id: i64,
        code: Option<String>,
        student_no: Option<String>,
        scanned_at: DateTime<Utc>,
    ) -> StoredScan {
        StoredScan {
            activity_id,
            scan: QueuedScan {
                id: random_uuid(),
                code,
                student_no,
                scanned_at,
            },
            local: ScanOutcome::InvalidCode,
            student_id: None,
            student_no: None,
            student_name: None,
            detail: None,
            server: None,
        }
    }

    /// Fills in the scanner's verdict and the student from the roster.
    pub fn judged(mut self, outcome: ScanOutcome, student: Option<&RosterStudent>) -> StoredScan {
        self.local = outcome;
        if let Some(student) = student {
            self.student_id = Some(student.student_id);
            self.student_no = Some(student.student_no.clone());
            self.student_name = Some(student.name.clone());
            let detail = [student.college.as_deref(), student.class_name.as_deref()]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ");
            self.detail = (!detail.is_empty()).then_some(detail);
        } else if let Some(no) = &self.scan.student_no {
            self.student_no = Some(no.trim().to_owned());
        }
        self
    }

    /// The server's verdict when there is one, else the scanner's.
    pub fn outcome(&self) -> ScanOutcome {
        self.server.unwrap_or(self.local)
    }

    pub fn synced(&self) -> bool {
        self.server.is_some()
    }
}

/// A version-4 UUID from the browser's cryptographic random numbers (`Math.random` when the
/// browser has none).
pub fn random_uuid() -> Uuid {
    let mut bytes = [0u8; 16];
    if !crate::phone::random_bytes(&mut bytes) {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

fn storage_error(error: idb::Error) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("offline storage: {error}"))
}

/// The roster kept for activity `id`, if this phone has one.
pub async fn load_pack(id: i64) -> Result<Option<StoredPack>, ApiError> {
    let text = idb::get(idb::PACKS, &id.to_string())
        .await
        .map_err(storage_error)?;
    Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
}

/// Downloads activity `id`'s roster and keeps it.
pub async fn download_pack(id: i64) -> Result<StoredPack, ApiError> {
    let asked = Utc::now();
    let pack = api::scanner_pack(id).await?;
    // The server's clock at the middle of the round trip, against this phone's.
    let answered = Utc::now();
    let local = asked + (answered - asked) / 2;
    let stored = StoredPack {
        offset_ms: (pack.server_time - local).num_milliseconds(),
        downloaded_at: pack.server_time,
        pack,
    };
    let text = serde_json::to_string(&stored)
        .map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    idb::put(idb::PACKS, &id.to_string(), &text)
        .await
        .map_err(storage_error)?;
    Ok(stored)
}

/// The scans of activity `id` queued on this phone, oldest first.
pub async fn scans(id: i64) -> Result<Vec<StoredScan>, ApiError> {
    let mut scans: Vec<StoredScan> = idb::all(idb::SCANS)
        .await
        .map_err(storage_error)?
        .iter()
        .filter_map(|text| serde_json::from_str::<StoredScan>(text).ok())
        .filter(|s| s.activity_id == id)
        .collect();
    scans.sort_by_key(|s| s.scan.scanned_at);
    Ok(scans)
}

/// Keeps scans (new ones, or with the server's verdict), committed when this returns.
pub async fn save(scans: &[StoredScan]) -> Result<(), ApiError> {
    let entries: Vec<(String, String)> = scans
        .iter()
        .filter_map(|s| Some((s.scan.id.to_string(), serde_json::to_string(s).ok()?)))
        .collect();
    idb::put_all(idb::SCANS, &entries)
        .await
        .map_err(storage_error)
}

/// What a sync did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Synced {
    /// The activity's check-ins, by every method, as the server last counted them.
    pub checked_in: Option<u32>,
}

thread_local! {
    static SYNCING: Cell<bool> = const { Cell::new(false) };
}

/// Sends activity `id`'s unconfirmed scans from the phone `device_id` and keeps the server's
/// verdicts. One sync at a time: a call while one runs returns at once, having sent nothing.
pub async fn sync(id: i64, device_id: &str) -> Result<Synced, ApiError> {
    if SYNCING.with(|s| s.replace(true)) {
        return Ok(Synced::default());
    }
    let outcome = sync_now(id, device_id).await;
    SYNCING.with(|s| s.set(false));
    outcome
}

async fn sync_now(id: i64, device_id: &str) -> Result<Synced, ApiError> {
    let waiting: Vec<StoredScan> = scans(id)
        .await?
        .into_iter()
        .filter(|s| !s.synced())
        .collect();
    let mut synced = Synced::default();
    for chunk in waiting.chunks(MAX_BATCH) {
        let batch = ScanBatch {
            device_id: device_id.to_owned(),
            scans: chunk.iter().map(|s| s.scan.clone()).collect(),
        };
        let answer = api::sync_scans(id, &batch).await?;
        let mut updated = Vec::with_capacity(chunk.len());
        for result in answer.results {
            if let Some(scan) = chunk.iter().find(|s| s.scan.id == result.id) {
                let mut scan = scan.clone();
                scan.server = Some(result.outcome);
                scan.student_no = result.student_no.or(scan.student_no);
                scan.student_name = result.student_name.or(scan.student_name);
                updated.push(scan);
            }
        }
        save(&updated).await?;
        synced.checked_in = Some(answer.checked_in);
    }
    Ok(synced)
}
