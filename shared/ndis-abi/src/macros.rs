//! Declaration macros that also record layouts and constant values for the golden-table test.

/// Declares `#[repr(C)]` structures and unions with exact C names and records each one's layout
/// in a `pub const LAYOUTS: &[StructLayout]` for the enclosing module.
///
/// Syntax, per item (any number of items):
/// ```text
/// abi_structs! {
///     /// docs
///     [align(16)]                      // optional repr(align(N)) or repr(packed(N))
///     pub struct NAME as "GOLDEN.NAME" {   // `as "…"` optional: the golden table's name
///         pub Field: Type,
///     } extra { "Dotted.Path" => a.b.c, }  // optional: nested offsets the table lists
///     pub union NAME2 { pub A: T, pub B: U, }
/// }
/// ```
/// Every item derives `Clone` and `Copy` and gets `const fn zeroed()`: all fields are integers,
/// raw pointers, `Option<fn>` or arrays/structures of those, for which all-zero bytes are valid.
#[macro_export]
macro_rules! abi_structs {
    (
        $(
            $(#[$meta:meta])*
            $([$reprk:ident($reprv:literal)])?
            pub $kind:ident $name:ident $(as $golden:literal)? {
                $( $(#[$fmeta:meta])* pub $field:ident : $fty:ty ),* $(,)?
            }
            $( extra { $( $xname:literal => $($xpath:ident).+ ),* $(,)? } )?
        )*
    ) => {
        $(
            $(#[$meta])*
            #[repr(C $(, $reprk($reprv))?)]
            #[derive(Clone, Copy)]
            pub $kind $name {
                $( $(#[$fmeta])* pub $field : $fty ),*
            }

            // SAFETY: see `AbiPod`: the macro only accepts fields of integer, raw pointer,
            // `Option<fn>` or array/structure/union-of-those types (each ABI type is itself
            // declared through this macro), for which every bit pattern the C side can produce
            // is a valid value.
            unsafe impl $crate::AbiPod for $name {}

            impl $name {
                /// An all-zero value (valid for every field type used in the ABI).
                #[must_use]
                pub const fn zeroed() -> Self {
                    // Every field is an integer, raw pointer, `Option` of a function pointer,
                    // or an array/structure/union of those.
                    // SAFETY: all-zero bytes are a valid value of each such field.
                    unsafe { ::core::mem::zeroed() }
                }
            }
        )*

        /// Layouts of the structures declared in this module, for the golden-table test.
        pub(crate) const LAYOUTS: &[$crate::StructLayout] = &[
            $(
                $crate::StructLayout {
                    name: $crate::abi_structs!(@name $name $(, $golden)?),
                    size: ::core::mem::size_of::<$name>(),
                    fields: &[
                        $( (stringify!($field), ::core::mem::offset_of!($name, $field)), )*
                        $($( ($xname, ::core::mem::offset_of!($name, $($xpath).+)), )*)?
                    ],
                },
            )*
        ];
    };
    (@name $name:ident) => { stringify!($name) };
    (@name $name:ident, $golden:literal) => { $golden };
}

/// Declares typed constants and records them in a `pub const CONSTANTS: &[ConstantValue]` for
/// the enclosing module.
///
/// ```text
/// abi_constants! {
///     /// docs
///     pub const NDIS_STATUS_SUCCESS: NDIS_STATUS = 0;
/// }
/// ```
#[macro_export]
macro_rules! abi_constants {
    ( $( $(#[$meta:meta])* pub const $name:ident : $ty:ty = $value:expr ; )* ) => {
        $( $(#[$meta])* pub const $name: $ty = $value; )*

        /// Constants declared in this module, for the golden-table test.
        #[allow(clippy::cast_lossless, clippy::cast_possible_wrap, clippy::unnecessary_cast)]
        pub(crate) const CONSTANTS: &[$crate::ConstantValue] = &[
            $( $crate::ConstantValue { name: stringify!($name), value: $name as i128 }, )*
        ];
    };
}

/// `RTL_SIZEOF_THROUGH_FIELD(Type, Field)` (ntdef.h): the offset of `Field` plus its size, i.e.
/// the header `Size` of a structure revision that ends at `Field`. Usable in constants.
#[macro_export]
macro_rules! RTL_SIZEOF_THROUGH_FIELD {
    ($ty:ty, $($field:ident).+) => {{
        const fn pointee_size<T>(_: *const T) -> usize {
            ::core::mem::size_of::<T>()
        }
        let value = ::core::mem::MaybeUninit::<$ty>::uninit();
        let base = value.as_ptr();
        // SAFETY: `&raw const` only computes the address of the field inside `value`; nothing is
        // read, so the uninitialised contents are never observed.
        let field = unsafe { &raw const (*base).$($field).+ };
        ::core::mem::offset_of!($ty, $($field).+) + pointee_size(field)
    }};
}
