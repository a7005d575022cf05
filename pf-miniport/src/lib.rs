//! Driver crate (see Cargo.toml for what it is).
//!
//! `no_std` always: the code that runs in the kernel uses only `core` and `alloc`. Off Windows,
//! `std` is linked only so the `cdylib` artifact has a panic handler and an allocator; no item
//! of this crate names `std` (the Windows type-check, `tests/wincheck.sh`, proves it).
#![no_std]

#[cfg(not(windows))]
extern crate std;

pub mod adapter;
pub mod capabilities;
pub mod datapath;
pub mod hardware;
pub mod keywords;
pub mod miniport;

// Windows-only glue: DriverEntry export, WDK allocator and panic handler. Never compiled off
// Windows, and off in the Linux-hosted Windows type-check (feature `wdk-glue` disabled).
#[cfg(all(windows, feature = "wdk-glue"))]
mod windows_glue;
