//! The engine's `Store`, in IndexedDB, with group commit.
//!
//! Requests that change state hand their mutations to [`GroupStore::commit`]
//! and wait. One writer at a time takes everything queued so far and applies
//! it in a single IndexedDB transaction, then wakes every request in that
//! group; what arrives meanwhile forms the next group. So concurrent writers
//! share commits (throughput does not collapse to one transaction per
//! request), each request still waits for its own changes to be durable, and
//! the mutations of one request (a TransactWriteItems) are never split.

use super::idb::IdbStore;
use crate::engine::store::{CommitFuture, Mutation, Store, StoreError};
use futures_channel::oneshot;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

type Waiter = oneshot::Sender<Result<(), StoreError>>;

struct Inner {
    db: IdbStore,
    queue: RefCell<Vec<(Vec<Mutation>, Waiter)>>,
    writing: Cell<bool>,
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
    pub fn new(db: IdbStore) -> Self {
        GroupStore {
            inner: Rc::new(Inner {
                db,
                queue: RefCell::new(Vec::new()),
                writing: Cell::new(false),
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
                inner.writing.set(false);
                return;
            }
            let mutations: Vec<Mutation> = group.iter().flat_map(|(m, _)| m.iter().cloned()).collect();
            let result = if mutations.is_empty() { Ok(()) } else { inner.db.apply(&mutations).await };
            if !mutations.is_empty() {
                inner.transactions.set(inner.transactions.get() + 1);
            }
            inner.requests.set(inner.requests.get() + group.len() as u64);
            for (_, waiter) in group {
                let _ = waiter.send(result.clone().map_err(|e| StoreError(e.0)));
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
