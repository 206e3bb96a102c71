//! The json-file log driver: one JSON object per line,
//! `{"log":"hi\n","stream":"stdout","time":"2024-05-01T10:00:00.123456789Z"}`, as Docker's
//! `json-file` driver writes it, and the reader `docker logs` uses.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// Longest partial line kept before it is written anyway (Docker splits at 16 KiB too).
const MAX_PARTIAL: usize = 16 * 1024;

/// Which stream a log line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One line of the log file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub log: String,
    pub stream: Stream,
    #[serde(with = "rfc3339_nano")]
    pub time: DateTime<Utc>,
}

/// Go's `time.RFC3339Nano`: nanoseconds with trailing zeros trimmed.
pub fn format_time(time: &DateTime<Utc>) -> String {
    let text = time.to_rfc3339_opts(SecondsFormat::Nanos, true);
    let (head, _z) = text.split_at(text.len() - 1);
    let trimmed = head.trim_end_matches('0').trim_end_matches('.');
    format!("{trimmed}Z")
}

mod rfc3339_nano {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_time(time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

/// Appends a container's output to its log, a line at a time.
#[derive(Debug)]
pub struct LogWriter {
    file: File,
    partial: [Vec<u8>; 2],
}

impl LogWriter {
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Self {
            file,
            partial: [Vec::new(), Vec::new()],
        })
    }

    /// Records `bytes` read from `stream`; complete lines are written at once.
    pub fn write(&mut self, stream: Stream, bytes: &[u8]) -> io::Result<()> {
        let slot = stream as usize;
        let mut rest = bytes;
        while let Some(i) = rest.iter().position(|b| *b == b'\n') {
            self.partial[slot].extend_from_slice(&rest[..=i]);
            rest = &rest[i + 1..];
            self.flush_stream(stream)?;
        }
        self.partial[slot].extend_from_slice(rest);
        if self.partial[slot].len() >= MAX_PARTIAL {
            self.flush_stream(stream)?;
        }
        Ok(())
    }

    /// Writes what is left of unterminated lines (at exit).
    pub fn finish(&mut self) -> io::Result<()> {
        self.flush_stream(Stream::Stdout)?;
        self.flush_stream(Stream::Stderr)
    }

    fn flush_stream(&mut self, stream: Stream) -> io::Result<()> {
        let slot = stream as usize;
        if self.partial[slot].is_empty() {
            return Ok(());
        }
        let line = std::mem::take(&mut self.partial[slot]);
        let entry = LogEntry {
            log: String::from_utf8_lossy(&line).into_owned(),
            stream,
            time: Utc::now(),
        };
        let mut json = serde_json::to_vec(&entry).map_err(io::Error::other)?;
        json.push(b'\n');
        self.file.write_all(&json)
    }
}

/// Reads a log from `offset` (bytes); returns the complete entries and the offset after the
/// last complete line (a line still being written is left for the next read).
pub fn read_from(path: &Path, offset: u64) -> io::Result<(Vec<LogEntry>, u64)> {
    use std::io::Seek;
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((Vec::new(), offset)),
        Err(e) => return Err(e),
    };
    file.seek(io::SeekFrom::Start(offset))?;
    let mut reader = BufReader::new(file);
    let mut entries = Vec::new();
    let mut pos = offset;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 || line.last() != Some(&b'\n') {
            break;
        }
        pos += n as u64;
        if let Ok(entry) = serde_json::from_slice::<LogEntry>(&line) {
            entries.push(entry);
        }
    }
    Ok((entries, pos))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_and_partial_lines_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c-json.log");
        let mut w = LogWriter::open(&path).unwrap();
        w.write(Stream::Stdout, b"hello\nwor").unwrap();
        w.write(Stream::Stderr, b"oops\n").unwrap();
        let (entries, offset) = read_from(&path, 0).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].log, "hello\n");
        assert_eq!(entries[1].stream, Stream::Stderr);
        w.write(Stream::Stdout, b"ld\n").unwrap();
        w.write(Stream::Stdout, b"tail").unwrap();
        w.finish().unwrap();
        let (more, _) = read_from(&path, offset).unwrap();
        let logs: Vec<&str> = more.iter().map(|e| e.log.as_str()).collect();
        assert_eq!(logs, ["world\n", "tail"]);
        let raw = std::fs::read_to_string(&path).unwrap();
        assert!(
            raw.starts_with("{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\""),
            "{raw}"
        );
    }

    #[test]
    fn times_trim_trailing_zeros_like_go() {
        let t = DateTime::parse_from_rfc3339("2024-05-01T10:00:00.120000000Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_time(&t), "2024-05-01T10:00:00.12Z");
        let whole = DateTime::parse_from_rfc3339("2024-05-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(format_time(&whole), "2024-05-01T10:00:00Z");
    }
}
