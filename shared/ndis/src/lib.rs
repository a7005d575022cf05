//! Safe no_std layer over the NDIS ABI: NBL chains and queues, NET_BUFFER data access across MDL chains, validated OID request views, status results.
#![no_std]
