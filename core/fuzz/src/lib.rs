//! What tracewire's fuzz targets share: how a raw input becomes a carrier, and
//! the invariants every extraction and injection must keep.

pub mod grammar;
pub mod input;
pub mod invariants;
mod stats;
pub mod templates;

pub use stats::track;
