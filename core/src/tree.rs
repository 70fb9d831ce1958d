//! Trace reconstruction: from the span records of several services, rebuild the
//! tree of one trace and point out where it stopped.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use crate::span::{SpanKind, SpanRecord, Status};
use crate::{SpanId, TraceId};

/// One trace, rebuilt.
#[derive(Clone, Debug)]
pub struct TraceTree {
    trace_id: TraceId,
    spans: Vec<SpanRecord>,
    children: Vec<Vec<usize>>,
    roots: Vec<usize>,
}

/// Something the tree shows went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A span ended with an error: the story stopped there.
    Failed {
        /// The service that failed.
        service: String,
        /// The operation.
        name: String,
        /// Its status message, if any.
        message: Option<String>,
    },
    /// A message was published and nobody processed it (no child, no link).
    Unconsumed {
        /// The publishing service.
        service: String,
        /// The publish operation, e.g. `send payments`.
        name: String,
    },
    /// A span names a parent that no record has: a service did not report.
    MissingParent {
        /// The service whose span hangs loose.
        service: String,
        /// The operation.
        name: String,
        /// The parent nobody reported.
        parent_span_id: SpanId,
    },
}

impl TraceTree {
    /// The distinct trace ids in `records`, in order of first start.
    pub fn trace_ids(records: &[SpanRecord]) -> Vec<TraceId> {
        let mut ids: Vec<(u64, TraceId)> = Vec::new();
        for record in records {
            match ids.iter_mut().find(|(_, id)| *id == record.trace_id) {
                Some((start, _)) => *start = (*start).min(record.start_unix_nano),
                None => ids.push((record.start_unix_nano, record.trace_id)),
            }
        }
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }

    /// The tree of `trace_id`; `None` when no record belongs to it. A span id
    /// reported twice keeps its first record.
    pub fn build(records: &[SpanRecord], trace_id: TraceId) -> Option<Self> {
        let mut spans: Vec<SpanRecord> = Vec::new();
        for record in records.iter().filter(|r| r.trace_id == trace_id) {
            if !spans.iter().any(|s| s.span_id == record.span_id) {
                spans.push(record.clone());
            }
        }
        if spans.is_empty() {
            return None;
        }
        spans.sort_by_key(|s| (s.start_unix_nano, s.span_id));
        let index: HashMap<SpanId, usize> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id, i))
            .collect();
        let mut children = vec![Vec::new(); spans.len()];
        let mut roots = Vec::new();
        for (i, span) in spans.iter().enumerate() {
            match span.parent_span_id.and_then(|parent| index.get(&parent)) {
                Some(&parent) => children[parent].push(i),
                None => roots.push(i),
            }
        }
        Some(Self {
            trace_id,
            spans,
            children,
            roots,
        })
    }

    /// The trace id.
    pub fn trace_id(&self) -> TraceId {
        self.trace_id
    }

    /// The records, ordered by start.
    pub fn spans(&self) -> &[SpanRecord] {
        &self.spans
    }

    /// The spans without a known parent, ordered by start.
    pub fn roots(&self) -> impl Iterator<Item = &SpanRecord> + '_ {
        self.roots.iter().map(|&i| &self.spans[i])
    }

    /// The direct children of `span_id`, ordered by start.
    pub fn children(&self, span_id: SpanId) -> impl Iterator<Item = &SpanRecord> + '_ {
        let index = self.spans.iter().position(|s| s.span_id == span_id);
        index
            .map(|i| self.children[i].as_slice())
            .unwrap_or_default()
            .iter()
            .map(|&i| &self.spans[i])
    }

    /// Distinct services, in order of first appearance.
    pub fn services(&self) -> Vec<&str> {
        let mut services: Vec<&str> = Vec::new();
        for span in &self.spans {
            if !services.contains(&span.service.as_str()) {
                services.push(&span.service);
            }
        }
        services
    }

    /// What went wrong, failures first.
    pub fn findings(&self) -> Vec<Finding> {
        let linked = |span_id: SpanId| {
            self.spans.iter().any(|s| {
                s.links
                    .iter()
                    .any(|l| l.trace_id == self.trace_id && l.span_id == span_id)
            })
        };
        let mut failed = Vec::new();
        let mut loose = Vec::new();
        for (i, span) in self.spans.iter().enumerate() {
            if span.status == Status::Error {
                failed.push(Finding::Failed {
                    service: span.service.clone(),
                    name: span.name.clone(),
                    message: span.status_message.clone(),
                });
            }
            if span.kind == SpanKind::Producer
                && self.children[i].is_empty()
                && !linked(span.span_id)
            {
                loose.push(Finding::Unconsumed {
                    service: span.service.clone(),
                    name: span.name.clone(),
                });
            }
            if let Some(parent) = span.parent_span_id.filter(|_| self.roots.contains(&i)) {
                loose.push(Finding::MissingParent {
                    service: span.service.clone(),
                    name: span.name.clone(),
                    parent_span_id: parent,
                });
            }
        }
        failed.extend(loose);
        failed
    }

    /// One line saying whether the story completed, and if not, where it stopped.
    pub fn summary(&self) -> String {
        match self.findings().first() {
            None => format!(
                "complete: {} spans across {} services, no failure",
                self.spans.len(),
                self.services().len()
            ),
            Some(finding) => format!("stopped: {finding}"),
        }
    }

    /// The tree as text: one line per span with kind, duration, status and links,
    /// then the summary.
    pub fn render(&self) -> String {
        let start = self
            .spans
            .iter()
            .map(|s| s.start_unix_nano)
            .min()
            .unwrap_or(0);
        let end = self
            .spans
            .iter()
            .map(|s| s.end_unix_nano)
            .max()
            .unwrap_or(0);
        let mut out = format!(
            "trace {} ({} spans, {} services, {})\n",
            self.trace_id,
            self.spans.len(),
            self.services().len(),
            Millis(end.saturating_sub(start))
        );
        let count = self.roots.len();
        for (n, &root) in self.roots.iter().enumerate() {
            self.render_node(root, "", n + 1 == count, &mut out);
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    fn render_node(&self, i: usize, prefix: &str, last: bool, out: &mut String) {
        let span = &self.spans[i];
        let branch = if last { "└─ " } else { "├─ " };
        let _ = write!(
            out,
            "{prefix}{branch}{}: {} [{}] {}",
            span.service,
            span.name,
            span.kind,
            Millis(span.duration_nanos())
        );
        if span.status == Status::Error {
            let _ = write!(
                out,
                "  ERROR: {}",
                span.status_message.as_deref().unwrap_or("failed")
            );
        }
        out.push('\n');
        let inner = format!("{prefix}{}", if last { "   " } else { "│  " });
        for link in &span.links {
            let target = self.spans.iter().find(|s| s.span_id == link.span_id);
            let _ = match target {
                Some(t) => writeln!(out, "{inner}   ↳ link: {}: {}", t.service, t.name),
                None => writeln!(out, "{inner}   ↳ link: {}/{}", link.trace_id, link.span_id),
            };
        }
        let count = self.children[i].len();
        for (n, &child) in self.children[i].iter().enumerate() {
            self.render_node(child, &inner, n + 1 == count, out);
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed {
                service,
                name,
                message,
            } => {
                write!(f, "{service} failed in \"{name}\"")?;
                if let Some(message) = message {
                    write!(f, " ({message})")?;
                }
                write!(f, "; nothing after it ran")
            }
            Self::Unconsumed { service, name } => {
                write!(
                    f,
                    "{service} published (\"{name}\") but no service processed it"
                )
            }
            Self::MissingParent {
                service,
                name,
                parent_span_id,
            } => write!(
                f,
                "{service} \"{name}\" has parent {parent_span_id}, which no service reported"
            ),
        }
    }
}

struct Millis(u64);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1} ms", self.0 as f64 / 1e6)
    }
}
