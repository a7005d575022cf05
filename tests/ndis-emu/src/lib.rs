//! User-mode NDIS emulator: plays NDIS's role for the miniports and enforces NDIS's rules.
#![no_std]
