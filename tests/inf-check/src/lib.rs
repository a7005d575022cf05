//! INF parser and rule checks for the PF and VF INFs.
#![no_std]
