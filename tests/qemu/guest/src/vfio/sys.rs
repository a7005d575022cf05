//! Thin `ioctl(2)` wrappers and error context shared by the VFIO objects.

use std::fmt::Display;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};

/// The last OS error with `what` (the operation and its object) in front of the message, so
/// a failure inside the guest says which ioctl on which device failed.
pub(crate) fn last_os_error(what: impl Display) -> io::Error {
    with_context(io::Error::last_os_error(), what)
}

/// `error` with `what` in front of its message, keeping its kind.
pub(crate) fn with_context(error: io::Error, what: impl Display) -> io::Error {
    io::Error::new(error.kind(), format!("{what}: {error}"))
}

/// An ioctl whose argument is a plain integer. Returns the non-negative result.
pub(crate) fn ioctl_value(
    fd: BorrowedFd<'_>,
    request: u32,
    value: libc::c_ulong,
    what: impl Display,
) -> io::Result<libc::c_int> {
    // SAFETY: a VFIO ioctl that takes its argument by value reads no memory through it.
    let result = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, value) };
    if result < 0 {
        Err(last_os_error(what))
    } else {
        Ok(result)
    }
}

/// An ioctl whose argument points at `arg`, which the kernel reads and may write back.
///
/// # Safety
/// `request` must be one whose argument is a `T` (or `T` followed by `extra` bytes that the
/// caller has placed directly after it in the same allocation, accounted for in `argsz`).
pub(crate) unsafe fn ioctl_pointer<T>(
    fd: BorrowedFd<'_>,
    request: u32,
    arg: *mut T,
    what: impl Display,
) -> io::Result<libc::c_int> {
    // SAFETY: the caller guarantees `arg` is the structure `request` expects, valid for the
    // length its `argsz` announces.
    let result = unsafe { libc::ioctl(fd.as_raw_fd(), request as _, arg) };
    if result < 0 {
        Err(last_os_error(what))
    } else {
        Ok(result)
    }
}
