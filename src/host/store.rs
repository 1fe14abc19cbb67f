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
//! When writing pauses (or the log grows very long) the writer folds the log
//! into the per-item keys, oldest records first, a chunk at a time: one
//! transaction applies a chunk's mutations and deletes exactly those log
//! records, so the stored state is the same before and after each chunk, and
//! requests that arrive meanwhile are served between chunks. Loading replays
//! the remaining log records on top of the keys (`engine::store::replay`).

use super::idb::IdbStore;
use crate::engine::store::{self, CommitFuture, Mutation, Store, StoreError};
use futures_channel::oneshot;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

type Waiter = oneshot::Sender<Result<(), StoreError>>;

/// Fold while busy only when the log holds this many mutations...
const FOLD_AT: usize = 200_000;
/// ...otherwise once writing has paused for this long.
const FOLD_PAUSE_MS: i32 = 300;
/// Mutations folded per transaction (whole log records).
const FOLD_CHUNK: usize = 2_000;

struct Inner {
    db: IdbStore,
    queue: RefCell<Vec<(Vec<Mutation>, Waiter)>>,
    writing: Cell<bool>,
    /// The next log record's sequence number.
    next_seq: Cell<u64>,
    /// Log records not yet folded into the keys, oldest first, and how many
    /// mutations they hold.
    unfolded: RefCell<std::collections::VecDeque<(u64, Vec<Mutation>)>>,
    unfolded_count: Cell<usize>,
    /// Set when this tab hands the cloud over: no more folding, so nothing
    /// writes while another tab loads.
    stopped: Cell<bool>,
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
    pub fn new(db: IdbStore, next_seq: u64, unfolded: Vec<(u64, Vec<Mutation>)>) -> Self {
        let count = unfolded.iter().map(|(_, m)| m.len()).sum();
        GroupStore {
            inner: Rc::new(Inner {
                db,
                queue: RefCell::new(Vec::new()),
                writing: Cell::new(false),
                next_seq: Cell::new(next_seq),
                unfolded: RefCell::new(unfolded.into()),
                unfolded_count: Cell::new(count),
                stopped: Cell::new(false),
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

    /// Stops folding the log (before handing the cloud to another tab or
    /// replacing the stored state); the log stays valid as it is.
    pub fn stop_folding(&self) {
        self.inner.stopped.set(true);
    }

    /// How many logged mutations are not folded into the keys yet.
    pub fn unfolded(&self) -> usize {
        self.inner.unfolded_count.get()
    }

    /// Whether nothing is queued or being written.
    pub fn idle(&self) -> bool {
        !self.inner.writing.get() && self.inner.queue.borrow().is_empty()
    }

    async fn write_loop(inner: Rc<Inner>) {
        loop {
            let group: Vec<(Vec<Mutation>, Waiter)> = std::mem::take(&mut *inner.queue.borrow_mut());
            if group.is_empty() {
                inner.writing.set(false);
                if inner.unfolded_count.get() > 0 {
                    wasm_bindgen_futures::spawn_local(GroupStore::fold_when_idle(inner.clone()));
                }
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
                    inner.unfolded_count.set(inner.unfolded_count.get() + mutations.len());
                    inner.unfolded.borrow_mut().push_back((seq, mutations.clone()));
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
            if inner.unfolded_count.get() >= FOLD_AT && !inner.stopped.get() {
                GroupStore::fold_chunk(&inner).await;
            }
        }
    }

    /// Folds the log, a chunk at a time, once writing has paused for a while
    /// (not merely between two groups, when the next writers have not sent
    /// their requests yet). Stops as soon as requests are waiting.
    async fn fold_when_idle(inner: Rc<Inner>) {
        super::boot::sleep_ms(FOLD_PAUSE_MS).await;
        while inner.unfolded_count.get() > 0 {
            if inner.stopped.get() || inner.writing.get() || !inner.queue.borrow().is_empty() {
                return;
            }
            inner.writing.set(true);
            GroupStore::fold_chunk(&inner).await;
            inner.writing.set(false);
            if !inner.queue.borrow().is_empty() {
                // Requests arrived during the chunk: serve them (the loop
                // schedules the rest of the fold when it pauses again).
                inner.writing.set(true);
                wasm_bindgen_futures::spawn_local(GroupStore::write_loop(inner.clone()));
                return;
            }
        }
    }

    /// Folds the oldest log records, about FOLD_CHUNK mutations, into the
    /// keys: one transaction applies them and deletes exactly those records.
    /// If it fails the records stay (and are retried later); nothing
    /// acknowledged depends on it.
    async fn fold_chunk(inner: &Rc<Inner>) {
        let mut records = Vec::new();
        let mut count = 0;
        {
            let mut unfolded = inner.unfolded.borrow_mut();
            while count < FOLD_CHUNK {
                let Some(record) = unfolded.pop_front() else { break };
                count += record.1.len();
                records.push(record);
            }
        }
        let mut mutations: Vec<Mutation> = records.iter().flat_map(|(_, m)| m.iter().cloned()).collect();
        mutations.extend(records.iter().map(|(seq, _)| Mutation::Delete { key: store::log_key(*seq) }));
        if inner.db.apply(&mutations).await.is_ok() {
            inner.unfolded_count.set(inner.unfolded_count.get() - count);
        } else {
            let mut unfolded = inner.unfolded.borrow_mut();
            for record in records.into_iter().rev() {
                unfolded.push_front(record);
            }
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
