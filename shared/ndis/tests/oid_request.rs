//! OidRequest: buffer-length and object-header validation, and the BytesNeeded / BytesRead /
//! BytesWritten bookkeeping NDIS checks.

use ndis::NdisError;
use ndis::oid::{ObjectRevision, OidRequest};
use ndis_abi::*;

const OID_TEST: NDIS_OID = 0x0001_0237; // OID_NIC_SWITCH_CREATE_SWITCH's code; any value works

fn query(buffer: &mut [u8]) -> NDIS_OID_REQUEST {
    let mut request = NDIS_OID_REQUEST::zeroed();
    request.RequestType = NdisRequestQueryInformation;
    request.DATA.QUERY_INFORMATION = NDIS_OID_REQUEST_QUERY_INFORMATION {
        Oid: OID_TEST,
        InformationBuffer: buffer.as_mut_ptr().cast(),
        InformationBufferLength: buffer.len() as u32,
        BytesWritten: 0,
        BytesNeeded: 0,
    };
    request
}

fn set(buffer: &mut [u8]) -> NDIS_OID_REQUEST {
    let mut request = NDIS_OID_REQUEST::zeroed();
    request.RequestType = NdisRequestSetInformation;
    request.DATA.SET_INFORMATION = NDIS_OID_REQUEST_SET_INFORMATION {
        Oid: OID_TEST,
        InformationBuffer: buffer.as_mut_ptr().cast(),
        InformationBufferLength: buffer.len() as u32,
        BytesRead: 0,
        BytesNeeded: 0,
    };
    request
}

fn method(buffer: &mut [u8], input: usize) -> NDIS_OID_REQUEST {
    let mut request = NDIS_OID_REQUEST::zeroed();
    request.RequestType = NdisRequestMethod;
    request.DATA.METHOD_INFORMATION = NDIS_OID_REQUEST_METHOD_INFORMATION {
        Oid: OID_TEST,
        InformationBuffer: buffer.as_mut_ptr().cast(),
        InputBufferLength: input as u32,
        OutputBufferLength: buffer.len() as u32,
        MethodId: 0,
        BytesWritten: 0,
        BytesRead: 0,
        BytesNeeded: 0,
    };
    request
}

fn view(request: &mut NDIS_OID_REQUEST) -> OidRequest<'_> {
    // SAFETY: `request` is a live local whose buffer outlives the view.
    unsafe { OidRequest::from_raw(request) }.expect("non-null")
}

/// A versioned test object: `{Header, ULONG A, ULONG B}`; revision 1 ends after A (size 8),
/// revision 2 after B (size 12).
#[derive(Clone, Copy)]
#[repr(C)]
struct TestObject {
    header: NDIS_OBJECT_HEADER,
    a: u32,
    b: u32,
}
// SAFETY: repr(C) of integers only; every byte pattern is valid.
unsafe impl AbiPod for TestObject {}

const TEST_TYPE: u8 = 0x80;
const REVISIONS: &[ObjectRevision] = &[
    ObjectRevision {
        revision: 1,
        min_size: 8,
    },
    ObjectRevision {
        revision: 2,
        min_size: 12,
    },
];

fn object_bytes(object_type: u8, revision: u8, size: u16, a: u32, b: u32) -> Vec<u8> {
    let mut bytes = vec![object_type, revision];
    bytes.extend_from_slice(&size.to_le_bytes());
    bytes.extend_from_slice(&a.to_le_bytes());
    bytes.extend_from_slice(&b.to_le_bytes());
    bytes
}

#[test]
fn short_query_buffer_writes_nothing_and_reports_bytes_needed() {
    let mut buffer = [0xEEu8; 3];
    let mut request = query(&mut buffer);
    assert_eq!(
        view(&mut request).write_u32(0x1234_5678),
        Err(NdisError::BUFFER_TOO_SHORT)
    );
    // SAFETY: reading the member this request uses.
    let info = unsafe { request.DATA.QUERY_INFORMATION };
    assert_eq!(info.BytesNeeded, 4);
    assert_eq!(info.BytesWritten, 0);
    assert_eq!(
        buffer, [0xEE; 3],
        "nothing may be written into a short buffer"
    );
}

#[test]
fn query_reports_bytes_written() {
    let mut buffer = [0u8; 16];
    let mut request = query(&mut buffer);
    view(&mut request).write_u32(0x1234_5678).expect("fits");
    // SAFETY: reading the member this request uses.
    assert_eq!(unsafe { request.DATA.QUERY_INFORMATION.BytesWritten }, 4);
    assert_eq!(&buffer[..4], &0x1234_5678u32.to_le_bytes());
}

#[test]
fn counters_fit_four_or_eight_byte_buffers() {
    let mut small = [0u8; 4];
    let mut request = query(&mut small);
    view(&mut request)
        .write_counter(0x1_0000_0002)
        .expect("4 bytes is accepted");
    assert_eq!(small, 2u32.to_le_bytes());
    let mut large = [0u8; 8];
    let mut request = query(&mut large);
    view(&mut request)
        .write_counter(0x1_0000_0002)
        .expect("8 bytes");
    assert_eq!(large, 0x1_0000_0002u64.to_le_bytes());
    let mut tiny = [0u8; 2];
    let mut request = query(&mut tiny);
    assert_eq!(
        view(&mut request).write_counter(1),
        Err(NdisError::BUFFER_TOO_SHORT)
    );
    // SAFETY: reading the member this request uses.
    assert_eq!(unsafe { request.DATA.QUERY_INFORMATION.BytesNeeded }, 8);
}

#[test]
fn short_set_buffer_is_invalid_length_with_bytes_needed() {
    let mut buffer = [1u8, 2];
    let mut request = set(&mut buffer);
    assert_eq!(
        view(&mut request).read_u32(),
        Err(NdisError::INVALID_LENGTH)
    );
    // SAFETY: reading the member this request uses.
    let info = unsafe { request.DATA.SET_INFORMATION };
    assert_eq!(info.BytesNeeded, 4);
    assert_eq!(info.BytesRead, 0);
}

#[test]
fn set_reports_bytes_read() {
    let mut buffer = 7u32.to_le_bytes();
    let mut request = set(&mut buffer);
    assert_eq!(view(&mut request).read_u32(), Ok(7));
    // SAFETY: reading the member this request uses.
    assert_eq!(unsafe { request.DATA.SET_INFORMATION.BytesRead }, 4);
}

#[test]
fn object_with_wrong_type_is_rejected() {
    let mut bytes = object_bytes(TEST_TYPE + 1, 2, 12, 1, 2);
    let mut request = set(&mut bytes);
    let result = view(&mut request).read_input_object::<TestObject>(TEST_TYPE, REVISIONS);
    assert_eq!(result.err(), Some(NdisError::INVALID_PARAMETER));
}

#[test]
fn object_with_unknown_old_revision_is_rejected() {
    let mut bytes = object_bytes(TEST_TYPE, 0, 12, 1, 2);
    let mut request = set(&mut bytes);
    let result = view(&mut request).read_input_object::<TestObject>(TEST_TYPE, REVISIONS);
    assert_eq!(result.err(), Some(NdisError::INVALID_PARAMETER));
}

#[test]
fn object_size_below_its_revision_is_rejected() {
    // Revision 2 needs 12 bytes; the header claims 8.
    let mut bytes = object_bytes(TEST_TYPE, 2, 8, 1, 2);
    let mut request = set(&mut bytes);
    let result = view(&mut request).read_input_object::<TestObject>(TEST_TYPE, REVISIONS);
    assert_eq!(result.err(), Some(NdisError::INVALID_PARAMETER));
}

#[test]
fn object_size_beyond_the_buffer_is_invalid_length() {
    // The header claims 200 bytes, the buffer holds 12.
    let mut bytes = object_bytes(TEST_TYPE, 2, 200, 1, 2);
    let mut request = set(&mut bytes);
    let result = view(&mut request).read_input_object::<TestObject>(TEST_TYPE, REVISIONS);
    assert_eq!(result.err(), Some(NdisError::INVALID_LENGTH));
    // SAFETY: reading the member this request uses.
    assert_eq!(unsafe { request.DATA.SET_INFORMATION.BytesNeeded }, 200);
}

#[test]
fn older_revision_reads_missing_fields_as_zero() {
    let mut bytes = object_bytes(TEST_TYPE, 1, 8, 5, 0xFFFF_FFFF);
    let mut request = set(&mut bytes);
    let (object, revision) = view(&mut request)
        .read_input_object::<TestObject>(TEST_TYPE, REVISIONS)
        .expect("valid");
    assert_eq!(revision.revision, 1);
    assert_eq!(object.a, 5);
    assert_eq!(object.b, 0, "a field past Header.Size is not read");
    // SAFETY: reading the member this request uses.
    assert_eq!(unsafe { request.DATA.SET_INFORMATION.BytesRead }, 8);
}

#[test]
fn newer_revision_is_accepted_as_the_newest_known() {
    let mut bytes = object_bytes(TEST_TYPE, 9, 12, 5, 6);
    bytes.extend_from_slice(&[0; 8]);
    let mut request = set(&mut bytes);
    let (object, revision) = view(&mut request)
        .read_input_object::<TestObject>(TEST_TYPE, REVISIONS)
        .expect("valid");
    assert_eq!((revision.revision, object.a, object.b), (2, 5, 6));
}

#[test]
fn input_shorter_than_a_header_is_invalid_length() {
    let mut bytes = [TEST_TYPE, 1];
    let mut request = set(&mut bytes);
    let result = view(&mut request).read_input_object::<TestObject>(TEST_TYPE, REVISIONS);
    assert_eq!(result.err(), Some(NdisError::INVALID_LENGTH));
}

#[test]
fn offsets_outside_the_buffer_are_refused() {
    let mut bytes = [0u8; 16];
    let mut request = set(&mut bytes);
    {
        let mut oid = view(&mut request);
        assert_eq!(oid.check_input_range(8, 8), Ok(()));
        assert_eq!(oid.check_input_range(12, 8), Err(NdisError::INVALID_LENGTH));
        assert_eq!(
            oid.check_input_range(usize::MAX, 2),
            Err(NdisError::INVALID_PARAMETER)
        );
        assert_eq!(
            oid.read_input_at::<TestObject>(8).err(),
            Some(NdisError::INVALID_LENGTH)
        );
    }
    // SAFETY: reading the member this request uses.
    assert_eq!(unsafe { request.DATA.SET_INFORMATION.BytesNeeded }, 20);
}

#[test]
fn method_reads_input_and_writes_output_in_one_buffer() {
    let mut buffer = [0u8; 32];
    buffer[..4].copy_from_slice(&41u32.to_le_bytes());
    let mut request = method(&mut buffer, 4);
    {
        let mut oid = view(&mut request);
        let value = oid.read_u32().expect("input");
        oid.write_output(&(value + 1).to_le_bytes())
            .expect("output");
        assert!(
            oid.write_output_at(30, &[1, 2, 3]).is_err(),
            "past OutputBufferLength"
        );
    }
    // SAFETY: reading the member this request uses.
    let info = unsafe { request.DATA.METHOD_INFORMATION };
    assert_eq!(
        (info.BytesRead, info.BytesWritten, info.BytesNeeded),
        (4, 4, 33)
    );
    assert_eq!(&buffer[..4], &42u32.to_le_bytes());
}

#[test]
fn null_buffer_counts_as_empty() {
    let mut request = query(&mut []);
    request.DATA.QUERY_INFORMATION.InformationBuffer = core::ptr::null_mut();
    request.DATA.QUERY_INFORMATION.InformationBufferLength = 64;
    assert_eq!(
        view(&mut request).write_u32(1),
        Err(NdisError::BUFFER_TOO_SHORT)
    );
}

#[test]
fn output_operations_are_refused_on_a_set() {
    let mut buffer = [0u8; 8];
    let mut request = set(&mut buffer);
    assert_eq!(
        view(&mut request).write_u32(1),
        Err(NdisError::NOT_SUPPORTED)
    );
}
