//! Layer decompression. Like Docker's extractor, the format is recognised by its first
//! bytes rather than trusted from the media type: gzip (`1f 8b`, possibly several members
//! back to back), zstd (`28 b5 2f fd`, possibly several frames, skippable frames skipped)
//! or a plain tar. zstd is decoded by `ruzstd`, pure Rust, so no C library is needed.

use std::io::{self, BufRead, Read};

use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
const XZ_MAGIC: [u8; 6] = [0xfd, b'7', b'z', b'X', b'Z', 0x00];
const BZIP2_MAGIC: [u8; 3] = [b'B', b'Z', b'h'];

/// What a layer stream is compressed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// Detects the compression of `input` from its first bytes (without consuming them).
pub fn detect(input: &mut dyn BufRead) -> io::Result<Compression> {
    let head = input.fill_buf()?;
    if head.starts_with(&GZIP_MAGIC) {
        Ok(Compression::Gzip)
    } else if head.starts_with(&ZSTD_MAGIC) {
        Ok(Compression::Zstd)
    } else if head.starts_with(&XZ_MAGIC) || head.starts_with(&BZIP2_MAGIC) {
        Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "unsupported layer compression (xz or bzip2)",
        ))
    } else {
        Ok(Compression::None)
    }
}

/// The uncompressed stream of a layer.
pub fn decompressed<'a>(mut input: Box<dyn BufRead + 'a>) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match detect(&mut input)? {
        Compression::None => Box::new(input),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Compression::Zstd => Box::new(ZstdDecoder::new(input)),
    })
}

/// A zstd stream of any number of frames.
pub struct ZstdDecoder<R: BufRead> {
    source: R,
    frame: FrameDecoder,
    in_frame: bool,
}

impl<R: BufRead> ZstdDecoder<R> {
    pub fn new(source: R) -> Self {
        Self {
            source,
            frame: FrameDecoder::new(),
            in_frame: false,
        }
    }
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}"))
}

impl<R: BufRead> Read for ZstdDecoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.in_frame {
                while self.frame.can_collect() == 0 && !self.frame.is_finished() {
                    self.frame
                        .decode_blocks(&mut self.source, BlockDecodingStrategy::UptoBlocks(1))
                        .map_err(invalid)?;
                }
                let n = self.frame.read(buf)?;
                if n > 0 {
                    return Ok(n);
                }
                self.in_frame = false;
            }
            if self.source.fill_buf()?.is_empty() {
                return Ok(0);
            }
            match self.frame.reset(&mut self.source) {
                Ok(()) => self.in_frame = true,
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame {
                    length,
                    ..
                })) => {
                    let skipped = io::copy(
                        &mut (&mut self.source).take(u64::from(length)),
                        &mut io::sink(),
                    )?;
                    if skipped < u64::from(length) {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                }
                Err(e) => return Err(invalid(e)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn sample() -> Vec<u8> {
        (0..200_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect()
    }

    fn read_all(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        decompressed(Box::new(io::BufReader::new(bytes)))
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn plain_gzip_and_multi_member_gzip() {
        let data = sample();
        assert_eq!(read_all(&data), data);
        let gz = |part: &[u8]| {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part).unwrap();
            e.finish().unwrap()
        };
        assert_eq!(read_all(&gz(&data)), data);
        let (a, b) = data.split_at(12345);
        let two = [gz(a), gz(b)].concat();
        assert_eq!(read_all(&two), data);
    }

    #[test]
    fn zstd_frames_and_skippable_frames() {
        let data = sample();
        let z = |part: &[u8]| {
            ruzstd::encoding::compress_to_vec(part, ruzstd::encoding::CompressionLevel::Fastest)
        };
        assert_eq!(read_all(&z(&data)), data);
        let (a, b) = data.split_at(70_000);
        let mut skippable = vec![0x50, 0x2a, 0x4d, 0x18];
        skippable.extend_from_slice(&3u32.to_le_bytes());
        skippable.extend_from_slice(b"abc");
        let stream = [z(a), skippable, z(b)].concat();
        assert_eq!(read_all(&stream), data);
    }

    #[test]
    fn corrupt_and_unsupported_streams_fail() {
        let data = sample();
        let mut z = ruzstd::encoding::compress_to_vec(
            &data[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        z.truncate(z.len() / 2);
        let mut out = Vec::new();
        let r = decompressed(Box::new(&z[..]))
            .unwrap()
            .read_to_end(&mut out);
        assert!(r.is_err(), "a truncated zstd stream must fail");
        assert!(decompressed(Box::new(&b"BZh91AY"[..])).is_err());
    }
}
