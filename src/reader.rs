//! Reading the migration files: many small files, read a batch at a time.
//!
//! Where the kernel allows it, each thread reads a batch through an io_uring ring of its
//! own: the batch's files are opened, read and closed with a few system calls for the
//! whole batch instead of four for each file, which takes a third off the time a large
//! project spends reading (docs/PERFORMANCE.md). Where it does not (kernels before 5.6,
//! seccomp filters that refuse io_uring, as in many containers) or once a ring has
//! failed, files are read one at a time with `std::fs`. Both give the same contents and
//! the same errors.

use std::io::{self, Read as _};
use std::path::{Path, PathBuf};

/// What reading a file gave.
#[derive(Debug, PartialEq)]
pub enum Contents {
    Bytes(Vec<u8>),
    /// Over the limit; not read further, since it is rejected anyway.
    TooLarge,
}

/// Files per batch: enough that a batch's system calls cost little per file, few enough
/// that a batch's buffers stay small.
pub const BATCH: usize = 64;

/// The read buffer's starting size: most migration files fit.
const READ_CHUNK: usize = 16 * 1024;

/// Reads the files of `paths`, in order: each one's contents (at most `limit` bytes:
/// a longer one is [`Contents::TooLarge`]) or why it could not be read.
pub fn read_batch(paths: &[PathBuf], limit: u64) -> Vec<io::Result<Contents>> {
    #[cfg(target_os = "linux")]
    if let Some(read) = ring::read(paths, limit) {
        return read;
    }
    paths.iter().map(|path| read_one(path, limit)).collect()
}

thread_local! {
    /// Each thread reads into one buffer and copies out exactly the bytes read: one
    /// allocation of the right size per file, where growing and then shrinking a vector
    /// per file cost a reallocation each (a tenth of the load, on small files).
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(READ_CHUNK));
}

/// Reads one file with `std::fs`.
pub fn read_one(path: &Path, limit: u64) -> io::Result<Contents> {
    let file = std::fs::File::open(path)?;
    READ_BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        // Read at most one byte past the limit: enough to know a file is too large
        // without reading all of it, and no separate size query per file.
        file.take(limit + 1).read_to_end(buffer)?;
        Ok(contents_of(buffer, limit))
    })
}

/// What a buffer holding a whole file (or `limit + 1` bytes of it) gives: its bytes in an
/// allocation of their own size. A buffer grown by a rare large file is let go, so that
/// it does not stay alive in every thread.
fn contents_of(buffer: &mut Vec<u8>, limit: u64) -> Contents {
    let contents = if buffer.len() as u64 > limit {
        Contents::TooLarge
    } else {
        Contents::Bytes(buffer.as_slice().to_vec())
    };
    if buffer.capacity() > 4 * READ_CHUNK {
        *buffer = Vec::with_capacity(READ_CHUNK);
    }
    contents
}

#[cfg(target_os = "linux")]
mod ring {
    use std::cell::RefCell;
    use std::ffi::CString;
    use std::io;
    use std::os::unix::ffi::OsStrExt as _;
    use std::path::PathBuf;

    use io_uring::{opcode, squeue, types, IoUring, Probe};

    use super::{contents_of, Contents, BATCH};

    /// Room for a whole batch of operations at once.
    const ENTRIES: u32 = BATCH as u32 * 2;
    /// A batch's buffers start smaller than `read_one`'s: there is one per file of the
    /// batch, most migration files are smaller still, and a larger one takes another
    /// round of reads.
    const START: usize = 4 * 1024;

    enum State {
        Untried,
        Ready {
            /// Boxed: a ring is large, and most threads' states are the other two.
            ring: Box<IoUring>,
            /// One per file of a batch, kept from batch to batch.
            buffers: Vec<Vec<u8>>,
        },
        /// io_uring is refused here, or this thread's ring failed.
        Unavailable,
    }

    thread_local! {
        static RING: RefCell<State> = const { RefCell::new(State::Untried) };
    }

    /// A ring that can no longer be trusted: operations may still be in flight.
    struct Broken;

    /// The files of `paths` read through this thread's ring; `None` when it has none,
    /// and the caller reads them itself.
    pub(super) fn read(paths: &[PathBuf], limit: u64) -> Option<Vec<io::Result<Contents>>> {
        RING.with_borrow_mut(|state| {
            if let State::Untried = state {
                *state = open();
            }
            let State::Ready { ring, buffers } = state else {
                return None;
            };
            // A ring has room for one batch's operations at a time.
            let read: Result<Vec<_>, Broken> = paths
                .chunks(BATCH)
                .map(|batch| read_with(ring.as_mut(), buffers, batch, limit))
                .collect();
            match read {
                Ok(read) => Some(read.into_iter().flatten().collect()),
                Err(Broken) => {
                    // Reads in flight may still write into the buffers (a path is
                    // copied by the kernel when its open is submitted): the ring and its
                    // buffers are never freed, and never used again. (A failure of the
                    // ring itself, which has not been seen.)
                    if let State::Ready { ring, buffers } =
                        std::mem::replace(state, State::Unavailable)
                    {
                        std::mem::forget(ring);
                        std::mem::forget(buffers);
                    }
                    None
                }
            }
        })
    }

    fn open() -> State {
        let Ok(ring) = IoUring::new(ENTRIES) else {
            return State::Unavailable;
        };
        let mut probe = Probe::new();
        if ring.submitter().register_probe(&mut probe).is_err() {
            return State::Unavailable;
        }
        let needed = [
            opcode::OpenAt::CODE,
            opcode::Read::CODE,
            opcode::Close::CODE,
        ];
        if !needed.iter().all(|&code| probe.is_supported(code)) {
            return State::Unavailable;
        }
        State::Ready {
            ring: Box::new(ring),
            buffers: Vec::new(),
        }
    }

    /// Opens every file of the batch, reads them all a round at a time until each is
    /// at its end (a read that gives nothing), over the limit or failed, then closes
    /// them.
    fn read_with(
        ring: &mut IoUring,
        buffers: &mut Vec<Vec<u8>>,
        paths: &[PathBuf],
        limit: u64,
    ) -> Result<Vec<io::Result<Contents>>, Broken> {
        if buffers.len() < paths.len() {
            buffers.resize_with(paths.len(), || Vec::with_capacity(START));
        }
        let names: Vec<io::Result<CString>> = paths
            .iter()
            .map(|path| {
                CString::new(path.as_os_str().as_bytes()).map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "file name contained an unexpected NUL byte",
                    )
                })
            })
            .collect();
        let mut results: Vec<Option<io::Result<Contents>>> = Vec::with_capacity(paths.len());
        let mut fds: Vec<Option<i32>> = vec![None; paths.len()];
        for (buffer, name) in buffers.iter_mut().zip(&names) {
            buffer.clear();
            results.push(name.as_ref().err().map(|e| Err(copy_error(e))));
        }

        let opens = names.iter().enumerate().filter_map(|(i, name)| {
            let name = name.as_ref().ok()?;
            let open = opcode::OpenAt::new(types::Fd(libc::AT_FDCWD), name.as_ptr())
                .flags(libc::O_RDONLY | libc::O_CLOEXEC);
            Some(open.build().user_data(i as u64))
        });
        for (i, result) in run(ring, opens)? {
            if result < 0 {
                results[i] = Some(Err(io::Error::from_raw_os_error(-result)));
            } else {
                fds[i] = Some(result);
            }
        }

        loop {
            let reads: Vec<squeue::Entry> = (0..paths.len())
                .filter(|&i| results[i].is_none())
                .filter_map(|i| {
                    let fd = fds[i]?;
                    let buffer = &mut buffers[i];
                    if buffer.len() == buffer.capacity() {
                        buffer.reserve(buffer.capacity().max(START));
                    }
                    let have = buffer.len();
                    // At most one byte past the limit, as `read_one` reads.
                    let room = (buffer.capacity() - have).min((limit + 1) as usize - have);
                    let into = buffer.spare_capacity_mut().as_mut_ptr().cast::<u8>();
                    let read =
                        opcode::Read::new(types::Fd(fd), into, room as u32).offset(have as u64);
                    Some(read.build().user_data(i as u64))
                })
                .collect();
            if reads.is_empty() {
                break;
            }
            for (i, result) in run(ring, reads.into_iter())? {
                let buffer = &mut buffers[i];
                if result == -libc::EINTR {
                    continue;
                } else if result < 0 {
                    results[i] = Some(Err(io::Error::from_raw_os_error(-result)));
                } else if result == 0 || buffer.len() + result as usize > limit as usize {
                    // SAFETY: the kernel wrote `result` bytes after the buffer's length,
                    // within the room the read was given.
                    unsafe { buffer.set_len(buffer.len() + result as usize) };
                    results[i] = Some(Ok(contents_of(buffer, limit)));
                } else {
                    // SAFETY: as above.
                    unsafe { buffer.set_len(buffer.len() + result as usize) };
                }
            }
        }

        let closes = fds
            .iter()
            .flatten()
            .map(|&fd| opcode::Close::new(types::Fd(fd)).build());
        // As for `std::fs::File`, a file read to its end closes without error that
        // matters; the results are not read.
        run(ring, closes)?;
        // A buffer a large file grew is not kept for the next batch.
        for buffer in buffers.iter_mut() {
            if buffer.capacity() > 4 * START {
                *buffer = Vec::with_capacity(START);
            }
        }
        Ok(results
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(io::Error::other("the read did not end"))))
            .collect())
    }

    /// Submits `operations` (at most a batch) and waits for all of them: each one's
    /// `user_data` and result.
    fn run(
        ring: &mut IoUring,
        operations: impl Iterator<Item = squeue::Entry>,
    ) -> Result<Vec<(usize, i32)>, Broken> {
        let mut pushed = 0;
        for operation in operations {
            // SAFETY: every operation's pointers (a path, a buffer's spare room) stay
            // valid and unmoved until its completion is taken below; if the ring fails
            // first, `read` never frees them.
            unsafe { ring.submission().push(&operation) }.map_err(|_| Broken)?;
            pushed += 1;
        }
        if pushed == 0 {
            return Ok(Vec::new());
        }
        loop {
            match ring.submit_and_wait(pushed) {
                Ok(_) => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(Broken),
            }
        }
        let done: Vec<(usize, i32)> = ring
            .completion()
            .map(|c| (c.user_data() as usize, c.result()))
            .collect();
        if done.len() == pushed {
            Ok(done)
        } else {
            Err(Broken)
        }
    }

    /// The same error again (`io::Error` is not `Clone`).
    fn copy_error(error: &io::Error) -> io::Error {
        io::Error::new(error.kind(), error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind of file the load meets, read both ways: through the ring (where this
    /// machine allows one) and one at a time, the same contents and the same errors.
    #[test]
    fn a_batch_reads_as_files_read_one_at_a_time() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.path().join(name);
            std::fs::write(&path, bytes).expect("write");
            path
        };
        let limit = 100_000;
        let large: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
        let mut paths = vec![
            write("small.mig", b"revision a;\n"),
            write("empty.mig", b""),
            // Larger than a first buffer: read in several rounds.
            write("large.mig", &large),
            write("at_limit.mig", &vec![b'x'; limit as usize]),
            write("over_limit.mig", &vec![b'x'; limit as usize + 1]),
            dir.path().join("missing.mig"),
            // A folder opens, and fails to read.
            {
                let path = dir.path().join("folder.mig");
                std::fs::create_dir(&path).expect("folder");
                path
            },
        ];
        // More than a batch, so that a thread's ring and buffers serve twice.
        for i in 0..BATCH + 3 {
            paths.push(write(
                &format!("{i:03}.mig"),
                format!("revision r{i};\n").as_bytes(),
            ));
        }
        let batched = read_batch(&paths, limit);
        assert_eq!(batched.len(), paths.len());
        for (path, got) in paths.iter().zip(batched) {
            let alone = read_one(path, limit);
            match (got, alone) {
                (Ok(got), Ok(alone)) => assert!(got == alone, "{}", path.display()),
                (Err(got), Err(alone)) => {
                    assert_eq!(got.to_string(), alone.to_string(), "{}", path.display());
                    assert_eq!(got.kind(), alone.kind(), "{}", path.display());
                }
                (got, alone) => panic!("{}: {got:?} against {alone:?}", path.display()),
            }
        }
        assert_eq!(
            read_one(&paths[2], limit).expect("large"),
            Contents::Bytes(large)
        );
        assert_eq!(
            read_one(&paths[3], limit).expect("at the limit"),
            Contents::Bytes(vec![b'x'; limit as usize])
        );
        assert_eq!(
            read_one(&paths[4], limit).expect("over"),
            Contents::TooLarge
        );
    }
}
