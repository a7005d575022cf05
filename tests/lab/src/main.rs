//! The lab scenario (arrives with the NDIS emulator issue).
fn main() {
    println!("lab: the NDIS emulator is not built yet");
}
