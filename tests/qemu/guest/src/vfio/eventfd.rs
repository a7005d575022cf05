//! An eventfd(2): the kernel signals an MSI-X vector of a VFIO device by adding 1 to it.

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

use super::sys::last_os_error;

/// Longest single wait: keeps the deadline arithmetic finite for absurd timeouts.
const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// A non-blocking, close-on-exec eventfd counter.
#[derive(Debug)]
pub struct EventFd {
    fd: OwnedFd,
}

impl EventFd {
    /// Creates a counter at 0 (`eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)`).
    pub fn new() -> io::Result<Self> {
        // SAFETY: eventfd takes no pointers.
        let raw = unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) };
        if raw < 0 {
            return Err(last_os_error("eventfd"));
        }
        // SAFETY: `raw` is a freshly created fd that nothing else owns.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        Ok(Self { fd })
    }

    /// Waits up to `timeout` for the counter to become non-zero, then takes (reads and
    /// resets) it. Returns the count, or 0 if the time ran out. Interrupted polls are retried
    /// within the same deadline.
    pub fn wait(&self, timeout: Duration) -> io::Result<u64> {
        let start = Instant::now();
        let timeout = timeout.min(MAX_WAIT);
        loop {
            let count = self.try_take()?;
            if count != 0 {
                return Ok(count);
            }
            let waited = start.elapsed();
            if waited >= timeout {
                return Ok(0);
            }
            // Round up so a sub-millisecond remainder still sleeps instead of spinning.
            let remaining_ms = (timeout - waited).as_nanos().div_ceil(1_000_000);
            let poll_ms = libc::c_int::try_from(remaining_ms).unwrap_or(libc::c_int::MAX);
            let mut request = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: `request` is one valid pollfd and the count says 1.
            let ready = unsafe { libc::poll(&raw mut request, 1, poll_ms) };
            if ready < 0 {
                let error = io::Error::last_os_error();
                if error.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(last_os_error(format!(
                    "poll eventfd {}",
                    self.fd.as_raw_fd()
                )));
            }
            if request.revents & (libc::POLLERR | libc::POLLNVAL) != 0 {
                return Err(io::Error::other(format!(
                    "poll eventfd {}: revents {:#x}",
                    self.fd.as_raw_fd(),
                    request.revents
                )));
            }
            // Ready or timed out: the next round takes the count or checks the deadline
            // (another reader may have taken the count between poll and read).
        }
    }

    /// Takes the counter without blocking: its value, or 0 if it was 0.
    pub fn try_take(&self) -> io::Result<u64> {
        let mut count = [0u8; 8];
        // SAFETY: `count` is 8 writable bytes, the size an eventfd read requires.
        let read = unsafe { libc::read(self.fd.as_raw_fd(), count.as_mut_ptr().cast(), 8) };
        if read < 0 {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::WouldBlock {
                return Ok(0);
            }
            return Err(last_os_error(format!(
                "read eventfd {}",
                self.fd.as_raw_fd()
            )));
        }
        if read != 8 {
            return Err(io::Error::other(format!(
                "read eventfd {}: {read} bytes instead of 8",
                self.fd.as_raw_fd()
            )));
        }
        Ok(u64::from_ne_bytes(count))
    }

    /// Adds `value` to the counter (what the kernel does on an interrupt; used for
    /// loopback tests).
    pub fn signal(&self, value: u64) -> io::Result<()> {
        let bytes = value.to_ne_bytes();
        // SAFETY: `bytes` is 8 readable bytes, the size an eventfd write requires.
        let written = unsafe { libc::write(self.fd.as_raw_fd(), bytes.as_ptr().cast(), 8) };
        if written != 8 {
            return Err(last_os_error(format!(
                "write eventfd {}",
                self.fd.as_raw_fd()
            )));
        }
        Ok(())
    }
}

impl AsFd for EventFd {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl AsRawFd for EventFd {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_times_out_with_zero_after_at_least_the_timeout() {
        let event = EventFd::new().expect("eventfd");
        let start = Instant::now();
        assert_eq!(event.wait(Duration::from_millis(30)).expect("wait"), 0);
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(event.try_take().expect("take"), 0);
    }

    #[test]
    fn signals_are_summed_and_taken_once() {
        let event = EventFd::new().expect("eventfd");
        event.signal(2).expect("signal");
        event.signal(3).expect("signal");
        assert_eq!(event.wait(Duration::from_secs(5)).expect("wait"), 5);
        assert_eq!(
            event.try_take().expect("take"),
            0,
            "the read reset the counter"
        );
        event.signal(1).expect("signal");
        assert_eq!(event.try_take().expect("take"), 1);
    }

    #[test]
    fn wait_wakes_up_for_a_signal_from_another_thread() {
        let event = EventFd::new().expect("eventfd");
        let raw = event.as_raw_fd();
        let signaller = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            let one = 1u64.to_ne_bytes();
            // SAFETY: `raw` stays open until the main thread joins this thread; `one` is 8
            // readable bytes.
            unsafe { libc::write(raw, one.as_ptr().cast(), 8) }
        });
        assert_eq!(event.wait(Duration::from_secs(10)).expect("wait"), 1);
        assert_eq!(signaller.join().expect("join"), 8);
    }
}
