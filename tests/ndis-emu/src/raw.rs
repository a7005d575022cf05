//! The few raw-memory primitives the emulator needs to read and write NDIS structures that a
//! driver (or the emulator itself) owns. Every caller states why the pointer is valid.

/// Reads a `T` from `ptr` (no alignment requirement).
///
/// # Safety
/// `ptr` must be valid for reads of `size_of::<T>()` bytes holding a valid `T` (the emulator
/// only uses integer, raw-pointer and `ndis-abi` structure types, valid for any bit pattern).
pub(crate) unsafe fn read<T: Copy>(ptr: *const T) -> T {
    // SAFETY: the caller guarantees `ptr` is readable and holds a valid `T`; `read_unaligned`
    // has no alignment requirement.
    unsafe { ptr.read_unaligned() }
}

/// Reads the first `size` bytes of a `T` at `ptr` (a versioned structure whose `Header.Size`
/// may be smaller than the newest revision); the rest stays zero.
///
/// # Safety
/// `ptr` must be valid for reads of `min(size, size_of::<T>())` bytes, and `T` must be valid
/// for any bit pattern (an `ndis-abi` structure).
pub(crate) unsafe fn read_prefix<T: Copy>(ptr: *const T, size: usize) -> T {
    let mut value = std::mem::MaybeUninit::<T>::zeroed();
    let n = size.min(std::mem::size_of::<T>());
    // SAFETY: the caller guarantees `n` readable bytes at `ptr`; the destination is a local of
    // `size_of::<T>() >= n` bytes; the regions cannot overlap.
    unsafe { std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), value.as_mut_ptr().cast::<u8>(), n) };
    // SAFETY: `T` is valid for any bit pattern (caller contract), so zero bytes followed by a
    // prefix of a `T` are a valid `T`.
    unsafe { value.assume_init() }
}

/// Writes a `T` to `ptr` (no alignment requirement).
///
/// # Safety
/// `ptr` must be valid for writes of `size_of::<T>()` bytes.
pub(crate) unsafe fn write<T: Copy>(ptr: *mut T, value: T) {
    // SAFETY: the caller guarantees `ptr` is writable for `size_of::<T>()` bytes.
    unsafe { ptr.write_unaligned(value) }
}

/// Copies `len` bytes from `src` into a new vector.
///
/// # Safety
/// `src` must be valid for reads of `len` bytes.
pub(crate) unsafe fn copy_out(src: *const u8, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    // SAFETY: the caller guarantees `len` readable bytes at `src`; `out` has `len` bytes and
    // is a fresh allocation, so the regions do not overlap.
    unsafe { std::ptr::copy_nonoverlapping(src, out.as_mut_ptr(), len) };
    out
}

/// Copies `data` to `dst`.
///
/// # Safety
/// `dst` must be valid for writes of `data.len()` bytes and must not overlap `data`.
pub(crate) unsafe fn copy_in(dst: *mut u8, data: &[u8]) {
    // SAFETY: guaranteed by the caller.
    unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
}
