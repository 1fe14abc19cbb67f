//! The engine's `Store`, in IndexedDB, with group commit and a write-ahead log.
//!
//! Requests that change state hand their mutations to [`GroupStore::commit`]
//! and wait. One writer at a time takes everything queued so far and writes
//! it as ONE log record (`log/<sequence>`) in one IndexedDB transaction, then
//! wakes every request in that group; what arrives meanwhile forms the next
//! group. So concurrent writers share commits, each request still waits for
//! its own changes to be durable, and the mutations of one request (a
//! TransactWriteItems) are never split. IndexedDB's cost is per record, so
//! one record per group (not per item) is what lets batched writers go fast.
//!
//! Now and then (when the log holds many mutations, or when writing pauses)
//! the writer folds the log into the per-item keys: one transaction applies
//! the logged mutations and deletes the log records, so the stored state is
//! the same before and after. Loading replays any log records on top of the
//! keys (`engine::store::replay`).

use super::idb::IdbStore;
use crate::engine::store::{self, CommitFuture, Mutation, Store, StoreError};
use futures_channel::oneshot;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

type Waiter = oneshot::Sender<Result<(), StoreError>>;

/// Fold the log when it holds this many mutations, even while busy...
const FOLD_AT: usize = 20_000;
/// ...or this many when writing pauses.
const FOLD_WHEN_IDLE: usize = 500;

struct Inner {
    db: IdbStore,
    queue: RefCell<Vec<(Vec<Mutation>, Waiter)>>,
    writing: Cell<bool>,
    /// The next log record's sequence number.
    next_seq: Cell<u64>,
    /// Mutations in log records not yet folded into the keys, in order.
    unfolded: RefCell<Vec<Mutation>>,
    /// Transactions committed, and requests they carried (for the console and benchmarks).
    transactions: Cell<u64>,
    requests: Cell<u64>,
}

/// IndexedDB behind the engine's `Store` seam.
#[derive(Clone)]
pub struct GroupStore {
    inner: Rc<Inner>,
}

impl GroupStore {
    /// A store on `db`, whose log continues at `next_seq` and still holds
    /// `unfolded` (both from `engine::store::log_tail` of what was loaded).
    pub fn new(db: IdbStore, next_seq: u64, unfolded: Vec<Mutation>) -> Self {
        GroupStore {
            inner: Rc::new(Inner {
                db,
                queue: RefCell::new(Vec::new()),
                writing: Cell::new(false),
                next_seq: Cell::new(next_seq),
                unfolded: RefCell::new(unfolded),
                transactions: Cell::new(0),
                requests: Cell::new(0),
            }),
        }
    }

    pub fn db(&self) -> &IdbStore {
        &self.inner.db
    }

    /// (IndexedDB transactions committed, requests they carried).
    pub fn stats(&self) -> (u64, u64) {
        (self.inner.transactions.get(), self.inner.requests.get())
    }

    /// Whether nothing is queued or being written.
    pub fn idle(&self) -> bool {
        !self.inner.writing.get() && self.inner.queue.borrow().is_empty()
    }

    async fn write_loop(inner: Rc<Inner>) {
        loop {
            let group: Vec<(Vec<Mutation>, Waiter)> = std::mem::take(&mut *inner.queue.borrow_mut());
            if group.is_empty() {
                let pending = inner.unfolded.borrow().len();
                if pending >= FOLD_WHEN_IDLE {
                    GroupStore::fold(&inner).await;
                    continue;
                }
                inner.writing.set(false);
                return;
            }
            let mutations: Vec<Mutation> = group.iter().flat_map(|(m, _)| m.iter().cloned()).collect();
            let result = if mutations.is_empty() {
                Ok(())
            } else {
                let seq = inner.next_seq.get();
                let record = Mutation::Put { key: store::log_key(seq), value: store::encode_batch(&mutations) };
                let written = inner.db.apply(std::slice::from_ref(&record)).await;
                if written.is_ok() {
                    inner.next_seq.set(seq + 1);
                    inner.unfolded.borrow_mut().extend(mutations.iter().cloned());
                }
                written
            };
            if !mutations.is_empty() {
                inner.transactions.set(inner.transactions.get() + 1);
            }
            inner.requests.set(inner.requests.get() + group.len() as u64);
            for (_, waiter) in group {
                let _ = waiter.send(result.clone().map_err(|e| StoreError(e.0)));
            }
            if inner.unfolded.borrow().len() >= FOLD_AT {
                GroupStore::fold(&inner).await;
            }
        }
    }

    /// Folds the log into the keys: one transaction applies every logged
    /// mutation and deletes the log records. If it fails, the log stays and
    /// the next fold tries again; nothing acknowledged depends on it.
    async fn fold(inner: &Rc<Inner>) {
        let mut mutations: Vec<Mutation> = std::mem::take(&mut *inner.unfolded.borrow_mut());
        let count = mutations.len();
        mutations.push(Mutation::DeletePrefix { prefix: store::LOG_PREFIX.to_string() });
        if inner.db.apply(&mutations).await.is_err() {
            mutations.truncate(count);
            let mut unfolded = inner.unfolded.borrow_mut();
            let newer = std::mem::take(&mut *unfolded);
            *unfolded = mutations;
            unfolded.extend(newer);
        }
    }
}

impl Store for GroupStore {
    fn commit(&self, mutations: Vec<Mutation>) -> CommitFuture {
        // Nothing to write and nothing in flight: already durable.
        if mutations.is_empty() && self.idle() {
            return Box::pin(async { Ok(()) });
        }
        let (sender, receiver) = oneshot::channel();
        self.inner.queue.borrow_mut().push((mutations, sender));
        if !self.inner.writing.get() {
            self.inner.writing.set(true);
            wasm_bindgen_futures::spawn_local(GroupStore::write_loop(self.inner.clone()));
        }
        Box::pin(async move {
            receiver.await.unwrap_or_else(|_| Err(StoreError("the storage writer stopped".into())))
        })
    }
}
