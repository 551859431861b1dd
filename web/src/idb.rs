//! A small IndexedDB client: stores of JSON strings under string keys, opened once per page
//! load. What must survive without a network and beyond localStorage's few megabytes lives
//! here (the organiser's scanner roster and its queue of scans).

use std::cell::RefCell;

use js_sys::{Array, Promise};
use wasm_bindgen::{JsCast, JsValue, closure::Closure};
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

/// The app's database and its version: a new store needs a new version.
const NAME: &str = "second-classroom";
const VERSION: u32 = 1;
/// The stores the upgrade creates (out-of-line keys, JSON string values).
const STORES: [&str; 2] = [PACKS, SCANS];

/// The scanner's roster of each activity, by activity id.
pub const PACKS: &str = "scanner_packs";
/// The scanner's queued scans, by scan id.
pub const SCANS: &str = "scanner_scans";

thread_local! {
    static OPEN: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// What went wrong, for the message shown to the user.
pub type Error = String;

fn error(value: JsValue) -> Error {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
        .unwrap_or_else(|| format!("{value:?}"))
}

/// Waits for a request's success (its result) or failure.
async fn done(request: &IdbRequest) -> Result<JsValue, Error> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move |_: JsValue| {
                let _ = resolve.call1(&JsValue::NULL, &request.result().unwrap_or_default());
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move |_: JsValue| {
                let reason = request
                    .error()
                    .ok()
                    .flatten()
                    .map(|e| JsValue::from_str(&e.message()))
                    .unwrap_or_else(|| JsValue::from_str("IndexedDB request failed"));
                let _ = reject.call1(&JsValue::NULL, &reason);
            })
        };
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(error)
}

/// Waits until a write transaction is committed (durable), or fails.
async fn committed(transaction: &IdbTransaction) -> Result<(), Error> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: JsValue| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let on_error = {
            let reject = reject.clone();
            Closure::once_into_js(move |_: JsValue| {
                let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB write failed"));
            })
        };
        let on_abort = Closure::once_into_js(move |_: JsValue| {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB write aborted (storage full?)"),
            );
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onerror(Some(on_error.unchecked_ref()));
        transaction.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(drop).map_err(error)
}

/// The database, opened (and created or upgraded) on first use.
async fn database() -> Result<IdbDatabase, Error> {
    if let Some(db) = OPEN.with(|open| open.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or_else(|| "this browser keeps no offline data (IndexedDB)".to_owned())?;
    let request: IdbOpenDbRequest = factory.open_with_u32(NAME, VERSION).map_err(error)?;
    let upgrade = {
        let request = request.clone();
        Closure::once_into_js(move |_: JsValue| {
            let Ok(result) = request.result() else {
                return;
            };
            let db: IdbDatabase = result.unchecked_into();
            let existing = db.object_store_names();
            for store in STORES {
                if !existing.contains(store) {
                    let _ = db.create_object_store(store);
                }
            }
        })
    };
    request.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
    let db: IdbDatabase = done(&request).await?.unchecked_into();
    OPEN.with(|open| *open.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// The value under `key` in `store`.
pub async fn get(store: &str, key: &str) -> Result<Option<String>, Error> {
    let db = database().await?;
    let transaction = db.transaction_with_str(store).map_err(error)?;
    let request = transaction
        .object_store(store)
        .map_err(error)?
        .get(&JsValue::from_str(key))
        .map_err(error)?;
    Ok(done(&request).await?.as_string())
}

/// Every value in `store`.
pub async fn all(store: &str) -> Result<Vec<String>, Error> {
    let db = database().await?;
    let transaction = db.transaction_with_str(store).map_err(error)?;
    let request = transaction
        .object_store(store)
        .map_err(error)?
        .get_all()
        .map_err(error)?;
    let values: Array = done(&request).await?.unchecked_into();
    Ok(values.iter().filter_map(|v| v.as_string()).collect())
}

/// Writes `(key, value)` pairs into `store` in one transaction, committed when this returns.
pub async fn put_all(store: &str, entries: &[(String, String)]) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let db = database().await?;
    let transaction = db
        .transaction_with_str_and_mode(store, IdbTransactionMode::Readwrite)
        .map_err(error)?;
    let objects = transaction.object_store(store).map_err(error)?;
    for (key, value) in entries {
        objects
            .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            .map_err(error)?;
    }
    committed(&transaction).await
}

/// Writes one value.
pub async fn put(store: &str, key: &str, value: &str) -> Result<(), Error> {
    put_all(store, &[(key.to_owned(), value.to_owned())]).await
}
