//! In-process device model of the Intel 82576 (and I350 differences) PF with its SR-IOV VFs, behind the platform seam.
#![no_std]
