//! Streaming readers for export formats.
