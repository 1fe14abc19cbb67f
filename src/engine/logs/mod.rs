//! CloudWatch Logs: log groups, log streams and their events, kept as
//! CloudWatch Logs keeps them, for every service that writes logs (Lambda's
//! function logs) and for the Logs API ([`api`], served at `/_aws/logs/`).
//!
//! [`Logs`] is a cheap, cloneable handle to one store: Lambda holds one to
//! write function logs through [`Logs::append`]; the console reads through
//! [`Logs::groups`], [`Logs::streams`], [`Logs::get_events`] and
//! [`Logs::filter_events`]. Every method that depends on time takes the
//! engine clock's `now_ms`.
//!
//! Events in a stream are kept in order of timestamp (ties in the order they
//! arrived); a [`Position`] names one event and is what tokens and event ids
//! encode. Memory is bounded: a stream keeps its newest
//! [`MAX_EVENTS_PER_STREAM`] events and the whole store its newest
//! [`MAX_EVENTS`]; the oldest (by timestamp) go first. A group's retention
//! policy drops events older than `retentionInDays` on the engine clock,
//! checked whenever the store is used.
//!
//! Logs are not journaled: like metrics they live in memory only, and a
//! cloud loaded from storage starts with no log groups.

pub mod api;
pub mod pattern;

pub use api::handle_http;

use super::cloud::{ACCOUNT_ID, REGION};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, VecDeque};
use std::fmt;
use std::rc::Rc;

/// Events one stream keeps (the newest).
pub const MAX_EVENTS_PER_STREAM: usize = 10_000;
/// Events the whole store keeps (the newest).
pub const MAX_EVENTS: usize = 200_000;
/// What CloudWatch Logs adds to a message's UTF-8 length when it measures an
/// event (PutLogEvents' batch size, a page's size).
pub const EVENT_OVERHEAD: usize = 26;
/// The largest event (message bytes plus [`EVENT_OVERHEAD`]) and the largest
/// PutLogEvents batch, in bytes; also what one page of events may hold.
pub const MAX_BATCH_BYTES: usize = 1_048_576;
/// Milliseconds in a day.
pub const DAY_MS: u64 = 86_400_000;
/// The values PutRetentionPolicy accepts for `retentionInDays`.
pub const RETENTION_DAYS: [u32; 22] =
    [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/// Where an event sits: its timestamp, then the order in which the store
/// received it (unique across the store). Positions order events as
/// GetLogEvents and FilterLogEvents return them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Position {
    pub timestamp_ms: u64,
    pub seq: u64,
}

impl Position {
    /// The 56-digit form CloudWatch Logs uses for event ids and inside
    /// GetLogEvents tokens: 20 digits of timestamp, 36 of sequence.
    pub fn id(&self) -> String {
        format!("{:020}{:036}", self.timestamp_ms, self.seq)
    }

    /// Reads [`Position::id`]'s form back.
    pub fn parse_id(digits: &str) -> Option<Position> {
        if digits.len() != 56 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Position { timestamp_ms: digits[..20].parse().ok()?, seq: digits[20..].parse().ok()? })
    }

    /// The smallest position after this one.
    fn next(self) -> Position {
        match self.seq.checked_add(1) {
            Some(seq) => Position { seq, ..self },
            None => Position { timestamp_ms: self.timestamp_ms.saturating_add(1), seq: 0 },
        }
    }

    /// The largest position before this one (itself at zero).
    fn prev(self) -> Position {
        match (self.seq, self.timestamp_ms) {
            (0, 0) => self,
            (0, t) => Position { timestamp_ms: t - 1, seq: u64::MAX },
            (s, _) => Position { seq: s - 1, ..self },
        }
    }
}

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEvent {
    pub timestamp_ms: u64,
    /// When the store received it (the engine clock).
    pub ingestion_ms: u64,
    pub message: String,
    /// The store's arrival order (see [`Position`]).
    pub seq: u64,
}

impl LogEvent {
    pub fn position(&self) -> Position {
        Position { timestamp_ms: self.timestamp_ms, seq: self.seq }
    }

    /// The event id FilterLogEvents reports.
    pub fn id(&self) -> String {
        self.position().id()
    }

    /// How CloudWatch Logs measures an event.
    pub fn size(&self) -> usize {
        self.message.len() + EVENT_OVERHEAD
    }
}

/// What the engine API reports on failure; the HTTP layer turns each into
/// the error CloudWatch Logs sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogsError {
    GroupNotFound,
    StreamNotFound,
    GroupExists,
    StreamExists,
    /// A token this store did not make (or cannot read).
    InvalidToken,
    /// A filter pattern that does not parse, with the reason.
    InvalidPattern(String),
}

impl fmt::Display for LogsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogsError::GroupNotFound => f.write_str("The specified log group does not exist."),
            LogsError::StreamNotFound => f.write_str("The specified log stream does not exist."),
            LogsError::GroupExists => f.write_str("The specified log group already exists"),
            LogsError::StreamExists => f.write_str("The specified log stream already exists"),
            LogsError::InvalidToken => f.write_str("The specified nextToken is invalid."),
            LogsError::InvalidPattern(reason) => write!(f, "Invalid filter pattern: {reason}"),
        }
    }
}

/// A log group as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub name: String,
    pub created_ms: u64,
    pub retention_days: Option<u32>,
    pub class: String,
    pub kms_key_id: Option<String>,
    /// The UTF-8 bytes of the messages held.
    pub stored_bytes: u64,
    pub streams: usize,
    pub events: usize,
}

/// A log stream as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    pub name: String,
    pub created_ms: u64,
    /// The earliest and latest event timestamps ever stored, and the last
    /// time events arrived (kept when events expire, as CloudWatch does).
    pub first_event_ms: Option<u64>,
    pub last_event_ms: Option<u64>,
    pub last_ingestion_ms: Option<u64>,
    /// How many batches were stored (what sequence tokens count).
    pub uploads: u64,
    pub events: usize,
    pub stored_bytes: u64,
}

/// Where a GetLogEvents page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// The earliest events of the time range.
    Head,
    /// The latest events of the time range.
    Tail,
    /// The events after a position (a forward token).
    After(Position),
    /// The events before a position (a backward token).
    Before(Position),
}

/// A GetLogEvents request, without JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventsQuery {
    /// Events at or after this time.
    pub start_ms: Option<u64>,
    /// Events before this time.
    pub end_ms: Option<u64>,
    pub cursor: Cursor,
    /// At most this many events (and at most [`MAX_BATCH_BYTES`]).
    pub limit: usize,
}

/// One page of a stream's events, oldest first, with where to go on:
/// `forward` is the position the next page forward starts after (a
/// [`Cursor::After`]), `backward` the one the page backward ends before (a
/// [`Cursor::Before`]). At the end of the stream these are the positions the
/// request came with, so the same token comes back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventsPage {
    pub events: Vec<LogEvent>,
    pub forward: Position,
    pub backward: Position,
}

/// Which streams of a group FilterLogEvents searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamSelect<'a> {
    All,
    Names(&'a [String]),
    Prefix(&'a str),
}

/// A FilterLogEvents request, without JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterQuery<'a> {
    pub streams: StreamSelect<'a>,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    /// A filter pattern ([`pattern`]); empty matches every event.
    pub pattern: &'a str,
    /// Resume after this event (the last one of the previous page).
    pub after: Option<Position>,
    pub limit: usize,
}

/// An event found by FilterLogEvents, with its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundEvent {
    pub stream: String,
    pub event: LogEvent,
}

/// One page of FilterLogEvents, in time order; `more` says whether matching
/// events remain after the last one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterPage {
    pub events: Vec<FoundEvent>,
    pub more: bool,
}

/// The ARN DescribeLogGroups reports as `arn` (with the trailing `:*`).
pub fn group_arn(name: &str) -> String {
    format!("{}:*", group_arn_bare(name))
}

/// The log group's ARN without the trailing `:*` (`logGroupArn`, and what
/// TagResource takes).
pub fn group_arn_bare(name: &str) -> String {
    format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}")
}

/// A log stream's ARN.
pub fn stream_arn(group: &str, stream: &str) -> String {
    format!("arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{group}:log-stream:{stream}")
}

/// The log group an ARN of this account and region names
/// (`arn:aws:logs:<region>:<account>:log-group:<name>`, with or without `:*`);
/// `None` for any other ARN.
pub fn group_from_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:aws:logs:")?;
    let rest = rest.strip_prefix(REGION)?.strip_prefix(':')?;
    let rest = rest.strip_prefix(ACCOUNT_ID)?.strip_prefix(":log-group:")?;
    let name = rest.strip_suffix(":*").unwrap_or(rest);
    (!name.is_empty() && !name.contains(':')).then_some(name)
}

struct Stream {
    created_ms: u64,
    first_event_ms: Option<u64>,
    last_event_ms: Option<u64>,
    last_ingestion_ms: Option<u64>,
    uploads: u64,
    /// In position order.
    events: VecDeque<LogEvent>,
    bytes: u64,
}

impl Stream {
    fn new(created_ms: u64) -> Self {
        Stream {
            created_ms,
            first_event_ms: None,
            last_event_ms: None,
            last_ingestion_ms: None,
            uploads: 0,
            events: VecDeque::new(),
            bytes: 0,
        }
    }

    /// The index of the first event at or after `p`.
    fn lower_bound(&self, p: Position) -> usize {
        self.events.partition_point(|e| e.position() < p)
    }

    fn insert(&mut self, event: LogEvent) {
        self.first_event_ms = Some(self.first_event_ms.map_or(event.timestamp_ms, |t| t.min(event.timestamp_ms)));
        self.last_event_ms = Some(self.last_event_ms.map_or(event.timestamp_ms, |t| t.max(event.timestamp_ms)));
        self.bytes += event.message.len() as u64;
        if self.events.back().is_none_or(|last| last.position() < event.position()) {
            self.events.push_back(event);
        } else {
            let at = self.lower_bound(event.position());
            self.events.insert(at, event);
        }
    }

    fn pop_front(&mut self) -> Option<LogEvent> {
        let event = self.events.pop_front()?;
        self.bytes -= event.message.len() as u64;
        Some(event)
    }

    fn info(&self, name: &str) -> StreamInfo {
        StreamInfo {
            name: name.to_string(),
            created_ms: self.created_ms,
            first_event_ms: self.first_event_ms,
            last_event_ms: self.last_event_ms,
            last_ingestion_ms: self.last_ingestion_ms,
            uploads: self.uploads,
            events: self.events.len(),
            stored_bytes: self.bytes,
        }
    }

    /// The index range of events in `[start, end)`.
    fn window(&self, start_ms: Option<u64>, end_ms: Option<u64>) -> (usize, usize) {
        let lo = start_ms.map_or(0, |t| self.lower_bound(Position { timestamp_ms: t, seq: 0 }));
        let hi = end_ms.map_or(self.events.len(), |t| self.lower_bound(Position { timestamp_ms: t, seq: 0 }));
        (lo, hi.max(lo))
    }
}

struct Group {
    created_ms: u64,
    retention_days: Option<u32>,
    class: String,
    kms_key_id: Option<String>,
    tags: BTreeMap<String, String>,
    streams: BTreeMap<String, Stream>,
}

impl Group {
    fn new(created_ms: u64) -> Self {
        Group {
            created_ms,
            retention_days: None,
            class: "STANDARD".to_string(),
            kms_key_id: None,
            tags: BTreeMap::new(),
            streams: BTreeMap::new(),
        }
    }

    fn info(&self, name: &str) -> GroupInfo {
        GroupInfo {
            name: name.to_string(),
            created_ms: self.created_ms,
            retention_days: self.retention_days,
            class: self.class.clone(),
            kms_key_id: self.kms_key_id.clone(),
            stored_bytes: self.streams.values().map(|s| s.bytes).sum(),
            streams: self.streams.len(),
            events: self.streams.values().map(|s| s.events.len()).sum(),
        }
    }

    /// The earliest timestamp the retention policy keeps at `now_ms`.
    fn retention_cutoff(&self, now_ms: u64) -> Option<u64> {
        self.retention_days.map(|d| now_ms.saturating_sub(d as u64 * DAY_MS))
    }
}

#[derive(Default)]
struct Inner {
    groups: BTreeMap<String, Group>,
    /// Events held in all streams.
    total: usize,
    /// The last sequence number given to an event.
    seq: u64,
    /// Changes whenever anything changes.
    version: u64,
}

impl Inner {
    /// Drops events older than their group's retention.
    fn expire(&mut self, now_ms: u64) {
        let mut dropped = 0;
        for group in self.groups.values_mut() {
            let Some(cutoff) = group.retention_cutoff(now_ms) else { continue };
            for stream in group.streams.values_mut() {
                while stream.events.front().is_some_and(|e| e.timestamp_ms < cutoff) {
                    stream.pop_front();
                    dropped += 1;
                }
            }
        }
        if dropped > 0 {
            self.total -= dropped;
            self.version += 1;
        }
    }

    /// Drops the oldest events of the whole store until it holds at most
    /// [`MAX_EVENTS`].
    fn enforce_total(&mut self) {
        if self.total <= MAX_EVENTS {
            return;
        }
        let mut excess = self.total - MAX_EVENTS;
        let mut dropped = 0;
        let mut streams: Vec<&mut Stream> = self.groups.values_mut().flat_map(|g| g.streams.values_mut()).collect();
        let mut heap: BinaryHeap<Reverse<(Position, usize)>> = streams
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.events.front().map(|e| Reverse((e.position(), i))))
            .collect();
        while excess > 0 {
            let Some(Reverse((_, i))) = heap.pop() else { break };
            streams[i].pop_front();
            excess -= 1;
            dropped += 1;
            if let Some(e) = streams[i].events.front() {
                heap.push(Reverse((e.position(), i)));
            }
        }
        self.total -= dropped;
    }

    /// Stores `events` in an existing stream, stamping them with the next
    /// sequence numbers and `now_ms` as ingestion time; returns the stream's
    /// upload count (an empty batch is not an upload).
    fn store(&mut self, group: &str, stream: &str, events: Vec<(u64, String)>, now_ms: u64) -> Result<u64, LogsError> {
        let g = self.groups.get_mut(group).ok_or(LogsError::GroupNotFound)?;
        let cutoff = g.retention_cutoff(now_ms);
        let s = g.streams.get_mut(stream).ok_or(LogsError::StreamNotFound)?;
        if events.is_empty() {
            return Ok(s.uploads);
        }
        let mut added: usize = 0;
        let mut removed: usize = 0;
        for (timestamp_ms, message) in events {
            self.seq += 1;
            s.insert(LogEvent { timestamp_ms, ingestion_ms: now_ms, message, seq: self.seq });
            added += 1;
        }
        s.uploads += 1;
        s.last_ingestion_ms = Some(now_ms);
        // Events already past retention go at once; a full stream drops its oldest.
        while s.events.front().is_some_and(|e| cutoff.is_some_and(|c| e.timestamp_ms < c))
            || s.events.len() > MAX_EVENTS_PER_STREAM
        {
            s.pop_front();
            removed += 1;
        }
        let uploads = s.uploads;
        self.total = self.total + added - removed;
        self.enforce_total();
        self.version += 1;
        Ok(uploads)
    }
}

/// The store of log groups. Cloning gives another handle to the same store.
#[derive(Clone, Default)]
pub struct Logs {
    inner: Rc<RefCell<Inner>>,
}

impl Logs {
    pub fn new() -> Self {
        Logs::default()
    }

    /// A number that changes whenever the store changes (for views that
    /// refresh when something changed; logs are not in the journal).
    pub fn version(&self) -> u64 {
        self.inner.borrow().version
    }

    /// How many events the store holds, in all groups.
    pub fn event_count(&self) -> usize {
        self.inner.borrow().total
    }

    /// Creates a log group; fails if it exists. `class` is `STANDARD`,
    /// `INFREQUENT_ACCESS` or `DELIVERY` (kept and reported, nothing more).
    pub fn create_group(
        &self,
        name: &str,
        now_ms: u64,
        tags: BTreeMap<String, String>,
        class: Option<&str>,
        kms_key_id: Option<&str>,
    ) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        if inner.groups.contains_key(name) {
            return Err(LogsError::GroupExists);
        }
        let mut group = Group::new(now_ms);
        group.tags = tags;
        if let Some(c) = class {
            group.class = c.to_string();
        }
        group.kms_key_id = kms_key_id.map(str::to_string);
        inner.groups.insert(name.to_string(), group);
        inner.version += 1;
        Ok(())
    }

    /// Creates the log group if it does not exist; says whether it did.
    pub fn ensure_group(&self, name: &str, now_ms: u64) -> bool {
        self.create_group(name, now_ms, BTreeMap::new(), None, None).is_ok()
    }

    /// Deletes a log group with its streams and events.
    pub fn delete_group(&self, name: &str) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        let group = inner.groups.remove(name).ok_or(LogsError::GroupNotFound)?;
        inner.total -= group.streams.values().map(|s| s.events.len()).sum::<usize>();
        inner.version += 1;
        Ok(())
    }

    /// Creates a log stream in an existing group; fails if it exists.
    pub fn create_stream(&self, group: &str, stream: &str, now_ms: u64) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        let g = inner.groups.get_mut(group).ok_or(LogsError::GroupNotFound)?;
        if g.streams.contains_key(stream) {
            return Err(LogsError::StreamExists);
        }
        g.streams.insert(stream.to_string(), Stream::new(now_ms));
        inner.version += 1;
        Ok(())
    }

    /// Creates the log stream, and its group, if they do not exist; says
    /// whether the stream was created.
    pub fn ensure_stream(&self, group: &str, stream: &str, now_ms: u64) -> bool {
        self.ensure_group(group, now_ms);
        self.create_stream(group, stream, now_ms).is_ok()
    }

    /// Deletes a log stream and its events.
    pub fn delete_stream(&self, group: &str, stream: &str) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        let g = inner.groups.get_mut(group).ok_or(LogsError::GroupNotFound)?;
        let s = g.streams.remove(stream).ok_or(LogsError::StreamNotFound)?;
        inner.total -= s.events.len();
        inner.version += 1;
        Ok(())
    }

    /// Sets (or with `None` removes) a group's retention in days; events
    /// older than that are dropped now and from then on. The HTTP layer
    /// checks `days` against [`RETENTION_DAYS`]; this does not.
    pub fn set_retention(&self, group: &str, days: Option<u32>, now_ms: u64) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        let g = inner.groups.get_mut(group).ok_or(LogsError::GroupNotFound)?;
        g.retention_days = days;
        inner.version += 1;
        inner.expire(now_ms);
        Ok(())
    }

    /// A group's tags.
    pub fn tags(&self, group: &str) -> Result<BTreeMap<String, String>, LogsError> {
        let inner = self.inner.borrow();
        Ok(inner.groups.get(group).ok_or(LogsError::GroupNotFound)?.tags.clone())
    }

    /// Adds or replaces tags of a group.
    pub fn tag(&self, group: &str, tags: &BTreeMap<String, String>) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        let g = inner.groups.get_mut(group).ok_or(LogsError::GroupNotFound)?;
        g.tags.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        inner.version += 1;
        Ok(())
    }

    /// Removes tags of a group by key (keys it does not have are ignored).
    pub fn untag(&self, group: &str, keys: &[String]) -> Result<(), LogsError> {
        let mut inner = self.inner.borrow_mut();
        let g = inner.groups.get_mut(group).ok_or(LogsError::GroupNotFound)?;
        for k in keys {
            g.tags.remove(k);
        }
        inner.version += 1;
        Ok(())
    }

    /// Writes events into a stream, creating the group and the stream if
    /// needed: the way a service (Lambda) logs. `events` are `(timestamp_ms,
    /// message)` in any order; a message longer than an event may be
    /// ([`MAX_BATCH_BYTES`] less [`EVENT_OVERHEAD`]) is cut at a character
    /// boundary. No age limits apply (PutLogEvents' are the API's), but
    /// retention and the caps do. Returns how many events were given.
    pub fn append<S: AsRef<str>>(&self, group: &str, stream: &str, events: &[(u64, S)], now_ms: u64) -> usize {
        self.ensure_stream(group, stream, now_ms);
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        let events: Vec<(u64, String)> =
            events.iter().map(|(t, m)| (*t, truncate(m.as_ref(), MAX_BATCH_BYTES - EVENT_OVERHEAD).to_string())).collect();
        let n = events.len();
        // The group and stream exist: ensure_stream made them.
        let _ = inner.store(group, stream, events, now_ms);
        n
    }

    /// Stores a PutLogEvents batch (already checked) in an existing stream;
    /// returns the stream's upload count, which the sequence token shows.
    pub fn put(&self, group: &str, stream: &str, events: Vec<(u64, String)>, now_ms: u64) -> Result<u64, LogsError> {
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        inner.store(group, stream, events, now_ms)
    }

    /// Every log group, by name.
    pub fn groups(&self, now_ms: u64) -> Vec<GroupInfo> {
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        inner.groups.iter().map(|(name, g)| g.info(name)).collect()
    }

    /// One log group.
    pub fn group(&self, name: &str, now_ms: u64) -> Option<GroupInfo> {
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        inner.groups.get(name).map(|g| g.info(name))
    }

    /// A group's streams, by name.
    pub fn streams(&self, group: &str, now_ms: u64) -> Result<Vec<StreamInfo>, LogsError> {
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        let g = inner.groups.get(group).ok_or(LogsError::GroupNotFound)?;
        Ok(g.streams.iter().map(|(name, s)| s.info(name)).collect())
    }

    /// One stream of a group.
    pub fn stream(&self, group: &str, stream: &str, now_ms: u64) -> Result<StreamInfo, LogsError> {
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        let g = inner.groups.get(group).ok_or(LogsError::GroupNotFound)?;
        Ok(g.streams.get(stream).ok_or(LogsError::StreamNotFound)?.info(stream))
    }

    /// A page of a stream's events, as GetLogEvents pages them.
    pub fn get_events(&self, group: &str, stream: &str, query: &EventsQuery, now_ms: u64) -> Result<EventsPage, LogsError> {
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        let g = inner.groups.get(group).ok_or(LogsError::GroupNotFound)?;
        let s = g.streams.get(stream).ok_or(LogsError::StreamNotFound)?;
        let (mut lo, mut hi) = s.window(query.start_ms, query.end_ms);
        match query.cursor {
            Cursor::After(p) => lo = lo.max(s.lower_bound(p.next())),
            Cursor::Before(p) => hi = hi.min(s.lower_bound(p)),
            Cursor::Head | Cursor::Tail => {}
        }
        let forwards = matches!(query.cursor, Cursor::Head | Cursor::After(_));
        let mut taken: VecDeque<LogEvent> = VecDeque::new();
        let mut bytes = 0;
        let limit = query.limit.max(1);
        if lo < hi {
            let indices: Box<dyn Iterator<Item = usize>> =
                if forwards { Box::new(lo..hi) } else { Box::new((lo..hi).rev()) };
            for i in indices {
                let e = &s.events[i];
                if taken.len() == limit || (!taken.is_empty() && bytes + e.size() > MAX_BATCH_BYTES) {
                    break;
                }
                bytes += e.size();
                if forwards {
                    taken.push_back(e.clone());
                } else {
                    taken.push_front(e.clone());
                }
            }
        }
        let events: Vec<LogEvent> = taken.into();
        let (forward, backward) = match (events.first(), events.last(), query.cursor) {
            (Some(first), Some(last), _) => (last.position(), first.position()),
            (_, _, Cursor::After(p)) => (p, p.next()),
            (_, _, Cursor::Before(p)) => (p.prev(), p),
            _ => (Position::default(), Position::default()),
        };
        Ok(EventsPage { events, forward, backward })
    }

    /// A page of the events of a group's streams that match a filter
    /// pattern, in time order, as FilterLogEvents pages them.
    pub fn filter_events(&self, group: &str, query: &FilterQuery, now_ms: u64) -> Result<FilterPage, LogsError> {
        let pattern = pattern::Pattern::parse(query.pattern).map_err(LogsError::InvalidPattern)?;
        let mut inner = self.inner.borrow_mut();
        inner.expire(now_ms);
        let g = inner.groups.get(group).ok_or(LogsError::GroupNotFound)?;
        let streams: Vec<(&String, &Stream)> = g
            .streams
            .iter()
            .filter(|(name, _)| match query.streams {
                StreamSelect::All => true,
                StreamSelect::Names(names) => names.iter().any(|n| n == *name),
                StreamSelect::Prefix(prefix) => name.starts_with(prefix),
            })
            .collect();
        // Merge the streams' ranges in position order.
        let mut cursors: Vec<(usize, usize)> = Vec::with_capacity(streams.len());
        let mut heap: BinaryHeap<Reverse<(Position, usize)>> = BinaryHeap::new();
        for (i, (_, s)) in streams.iter().enumerate() {
            let (mut lo, hi) = s.window(query.start_ms, query.end_ms);
            if let Some(p) = query.after {
                lo = lo.max(s.lower_bound(p.next()));
            }
            cursors.push((lo, hi));
            if lo < hi {
                heap.push(Reverse((s.events[lo].position(), i)));
            }
        }
        let limit = query.limit.max(1);
        let mut found = Vec::new();
        let mut bytes = 0;
        let mut more = false;
        while let Some(Reverse((_, i))) = heap.pop() {
            let (name, s) = streams[i];
            let (at, hi) = cursors[i];
            let e = &s.events[at];
            cursors[i].0 += 1;
            if at + 1 < hi {
                heap.push(Reverse((s.events[at + 1].position(), i)));
            }
            if !pattern.matches(&e.message) {
                continue;
            }
            if found.len() == limit || (!found.is_empty() && bytes + e.size() > MAX_BATCH_BYTES) {
                more = true;
                break;
            }
            bytes += e.size();
            found.push(FoundEvent { stream: name.clone(), event: e.clone() });
        }
        Ok(FilterPage { events: found, more })
    }
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character
/// boundary.
fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000_000;

    fn query(cursor: Cursor, limit: usize) -> EventsQuery {
        EventsQuery { start_ms: None, end_ms: None, cursor, limit }
    }

    fn messages(page: &EventsPage) -> Vec<&str> {
        page.events.iter().map(|e| e.message.as_str()).collect()
    }

    fn ten() -> Logs {
        let logs = Logs::new();
        let events: Vec<(u64, String)> = (0..10).map(|i| (T0 + i, format!("m{i}"))).collect();
        logs.append("g", "s", &events, T0);
        logs
    }

    #[test]
    fn positions_round_trip_through_ids() {
        let p = Position { timestamp_ms: T0, seq: 42 };
        assert_eq!(p.id().len(), 56);
        assert_eq!(Position::parse_id(&p.id()), Some(p));
        assert_eq!(Position::parse_id("12"), None);
        assert_eq!(Position::parse_id(&"9".repeat(56)), None, "a timestamp past u64");
        assert!(p.prev() < p && p < p.next());
        assert_eq!(Position::default().prev(), Position::default());
    }

    #[test]
    fn pages_forward_from_the_head_and_the_last_token_comes_back() {
        let logs = ten();
        let p1 = logs.get_events("g", "s", &query(Cursor::Head, 4), T0).unwrap();
        assert_eq!(messages(&p1), ["m0", "m1", "m2", "m3"]);
        let p2 = logs.get_events("g", "s", &query(Cursor::After(p1.forward), 4), T0).unwrap();
        assert_eq!(messages(&p2), ["m4", "m5", "m6", "m7"]);
        let p3 = logs.get_events("g", "s", &query(Cursor::After(p2.forward), 4), T0).unwrap();
        assert_eq!(messages(&p3), ["m8", "m9"]);
        let end = logs.get_events("g", "s", &query(Cursor::After(p3.forward), 4), T0).unwrap();
        assert!(end.events.is_empty());
        assert_eq!(end.forward, p3.forward, "the same forward token comes back at the end");
        // Going back from the end returns the last event seen.
        let back = logs.get_events("g", "s", &query(Cursor::Before(end.backward), 1), T0).unwrap();
        assert_eq!(messages(&back), ["m9"]);
        // New events show up on the forward token.
        logs.append("g", "s", &[(T0 + 20, "late")], T0 + 30);
        let next = logs.get_events("g", "s", &query(Cursor::After(end.forward), 4), T0 + 30).unwrap();
        assert_eq!(messages(&next), ["late"]);
    }

    #[test]
    fn pages_backward_from_the_tail() {
        let logs = ten();
        let p1 = logs.get_events("g", "s", &query(Cursor::Tail, 3), T0).unwrap();
        assert_eq!(messages(&p1), ["m7", "m8", "m9"]);
        let p2 = logs.get_events("g", "s", &query(Cursor::Before(p1.backward), 3), T0).unwrap();
        assert_eq!(messages(&p2), ["m4", "m5", "m6"]);
        let mut token = p2.backward;
        let mut seen = 6;
        loop {
            let p = logs.get_events("g", "s", &query(Cursor::Before(token), 3), T0).unwrap();
            if p.events.is_empty() {
                assert_eq!(p.backward, token, "the same backward token comes back at the start");
                break;
            }
            seen += p.events.len();
            token = p.backward;
        }
        assert_eq!(seen, 10);
        // And forward again from the start of the stream.
        let fwd = logs.get_events("g", "s", &query(Cursor::After(token.prev()), 2), T0).unwrap();
        assert_eq!(messages(&fwd), ["m0", "m1"]);
    }

    #[test]
    fn time_range_is_start_inclusive_end_exclusive() {
        let logs = ten();
        let q = EventsQuery { start_ms: Some(T0 + 2), end_ms: Some(T0 + 5), cursor: Cursor::Head, limit: 100 };
        assert_eq!(messages(&logs.get_events("g", "s", &q, T0).unwrap()), ["m2", "m3", "m4"]);
        let q = EventsQuery { cursor: Cursor::Tail, ..q };
        assert_eq!(messages(&logs.get_events("g", "s", &q, T0).unwrap()), ["m2", "m3", "m4"]);
    }

    #[test]
    fn out_of_order_batches_are_kept_in_time_order() {
        let logs = Logs::new();
        logs.append("g", "s", &[(T0 + 5, "b"), (T0 + 1, "a")], T0);
        logs.append("g", "s", &[(T0 + 3, "between"), (T0 + 5, "b2")], T0);
        let page = logs.get_events("g", "s", &query(Cursor::Head, 10), T0).unwrap();
        assert_eq!(messages(&page), ["a", "between", "b", "b2"]);
        let info = &logs.streams("g", T0).unwrap()[0];
        assert_eq!((info.first_event_ms, info.last_event_ms, info.uploads), (Some(T0 + 1), Some(T0 + 5), 2));
    }

    #[test]
    fn a_stream_keeps_its_newest_events() {
        let logs = Logs::new();
        let events: Vec<(u64, String)> = (0..MAX_EVENTS_PER_STREAM as u64 + 5).map(|i| (T0 + i, i.to_string())).collect();
        logs.append("g", "s", &events, T0);
        assert_eq!(logs.event_count(), MAX_EVENTS_PER_STREAM);
        let page = logs.get_events("g", "s", &query(Cursor::Head, 1), T0).unwrap();
        assert_eq!(messages(&page), ["5"]);
    }

    #[test]
    fn the_store_drops_the_oldest_events_of_any_stream() {
        let logs = Logs::new();
        let streams = MAX_EVENTS / MAX_EVENTS_PER_STREAM;
        for s in 0..streams as u64 {
            // Stream s holds timestamps s, s + streams, s + 2 * streams, ...
            let events: Vec<(u64, String)> =
                (0..MAX_EVENTS_PER_STREAM as u64).map(|i| (T0 + s + i * streams as u64, String::new())).collect();
            logs.append("g", &format!("s{s:02}"), &events, T0);
        }
        assert_eq!(logs.event_count(), MAX_EVENTS);
        logs.append("other", "x", &[(T0 + 10_000_000, "new"), (T0 + 10_000_001, "newer")], T0);
        assert_eq!(logs.event_count(), MAX_EVENTS);
        // The two oldest were s00's and s01's first events.
        let first = |s: &str| logs.get_events("g", s, &query(Cursor::Head, 1), T0).unwrap().events[0].timestamp_ms;
        assert_eq!(first("s00"), T0 + streams as u64);
        assert_eq!(first("s01"), T0 + 1 + streams as u64);
        assert_eq!(first("s02"), T0 + 2);
    }

    #[test]
    fn retention_drops_old_events_on_the_engine_clock() {
        let logs = Logs::new();
        logs.append("g", "s", &[(T0, "day 0"), (T0 + DAY_MS, "day 1"), (T0 + 2 * DAY_MS, "day 2")], T0 + 2 * DAY_MS);
        logs.set_retention("g", Some(1), T0 + 2 * DAY_MS).unwrap();
        let page = logs.get_events("g", "s", &query(Cursor::Head, 10), T0 + 2 * DAY_MS).unwrap();
        assert_eq!(messages(&page), ["day 1", "day 2"]);
        let page = logs.get_events("g", "s", &query(Cursor::Head, 10), T0 + 3 * DAY_MS + 1).unwrap();
        assert_eq!(messages(&page), Vec::<&str>::new());
        assert_eq!(logs.event_count(), 0);
        assert_eq!(logs.groups(T0 + 3 * DAY_MS).iter().map(|g| g.stored_bytes).sum::<u64>(), 0);
        // Removing the policy keeps what arrives from then on.
        logs.set_retention("g", None, T0 + 4 * DAY_MS).unwrap();
        logs.append("g", "s", &[(T0, "ancient")], T0 + 4 * DAY_MS);
        assert_eq!(logs.event_count(), 1);
    }

    #[test]
    fn pages_stop_at_a_megabyte() {
        let logs = Logs::new();
        let big = "x".repeat(400_000);
        logs.append("g", "s", &[(T0, big.as_str()), (T0 + 1, big.as_str()), (T0 + 2, big.as_str())], T0);
        let page = logs.get_events("g", "s", &query(Cursor::Head, 10_000), T0).unwrap();
        assert_eq!(page.events.len(), 2);
        let huge = "y".repeat(2 * MAX_BATCH_BYTES);
        logs.append("g", "t", &[(T0, huge.as_str())], T0);
        let page = logs.get_events("g", "t", &query(Cursor::Head, 10), T0).unwrap();
        assert_eq!(page.events[0].message.len(), MAX_BATCH_BYTES - EVENT_OVERHEAD, "cut to the event limit");
    }

    #[test]
    fn filter_merges_streams_in_time_order_and_pages() {
        let logs = Logs::new();
        logs.append("g", "a", &[(T0 + 1, "ERROR one"), (T0 + 4, "INFO two"), (T0 + 5, "ERROR three")], T0);
        logs.append("g", "b", &[(T0 + 2, "ERROR four"), (T0 + 3, "ERROR five")], T0);
        let q = FilterQuery {
            streams: StreamSelect::All,
            start_ms: None,
            end_ms: None,
            pattern: "ERROR",
            after: None,
            limit: 2,
        };
        let p1 = logs.filter_events("g", &q, T0).unwrap();
        let got: Vec<(&str, &str)> = p1.events.iter().map(|f| (f.stream.as_str(), f.event.message.as_str())).collect();
        assert_eq!(got, [("a", "ERROR one"), ("b", "ERROR four")]);
        assert!(p1.more);
        let q2 = FilterQuery { after: Some(p1.events[1].event.position()), ..q };
        let p2 = logs.filter_events("g", &q2, T0).unwrap();
        let got: Vec<&str> = p2.events.iter().map(|f| f.event.message.as_str()).collect();
        assert_eq!(got, ["ERROR five", "ERROR three"]);
        assert!(!p2.more);
        let names = ["b".to_string()];
        let q3 = FilterQuery { streams: StreamSelect::Names(&names), pattern: "", limit: 10, ..q };
        assert_eq!(logs.filter_events("g", &q3, T0).unwrap().events.len(), 2);
        let q4 = FilterQuery { streams: StreamSelect::Prefix("a"), pattern: "-ERROR", limit: 10, ..q };
        assert_eq!(logs.filter_events("g", &q4, T0).unwrap().events[0].event.message, "INFO two");
    }

    #[test]
    fn arns_name_groups_of_this_account_only() {
        assert_eq!(group_arn("/aws/lambda/f"), "arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:*");
        assert_eq!(group_from_arn(&group_arn("a")), Some("a"));
        assert_eq!(group_from_arn(&group_arn_bare("a")), Some("a"));
        assert_eq!(group_from_arn("arn:aws:logs:eu-west-1:000000000000:log-group:a"), None);
        assert_eq!(group_from_arn(&stream_arn("a", "b")), None);
    }
}
