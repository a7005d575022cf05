//! Driver crate (see Cargo.toml for what it is).
//!
//! `no_std` always: the code that runs in the kernel uses only `core` and `alloc`. Off Windows,
//! `std` is linked only so the `cdylib` artifact has a panic handler and an allocator; no item
//! of this crate names `std` (the Windows type-check, `tests/wincheck.sh`, proves it).
#![no_std]
// Driver logic is safe Rust: the NDIS calls and their `unsafe` live in `shared/ndis` (and
// `ndis-abi`). Only the entry points NDIS and the I/O manager call through raw pointers
// (`miniport`, the Windows glue) are allowed `unsafe`.
#![deny(unsafe_code)]

#[cfg(not(windows))]
extern crate std;

pub mod adapter;
pub mod capabilities;
pub mod datapath;
pub mod diagnostics;
pub mod hardware;
pub mod keywords;
#[allow(unsafe_code)]
pub mod miniport;

// Windows-only glue: DriverEntry export, WDK allocator and panic handler. Never compiled off
// Windows, and off in the Linux-hosted Windows type-check (feature `wdk-glue` disabled).
#[cfg(all(windows, feature = "wdk-glue"))]
#[allow(unsafe_code)]
mod windows_glue;
