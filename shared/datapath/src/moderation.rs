//! Interrupt moderation (EITR) and the DPC budget.
//!
//! EITR (82576 datasheet 8.8.12; `igb-hardware.md` §5 register table): bits 14:2 hold the
//! minimum inter-interrupt interval in ~1 µs units (the register value masked with `0x7FFC`
//! is the interval × 4, i.e. 256 ns granules); bit 31 CNT_IGNR makes a write not reset the
//! running counter (Linux `E1000_EITR_CNT_IGNR`, set on 82576 and later).

/// `EITR` interval field mask (bits 14:2).
pub const EITR_INTERVAL_MASK: u32 = 0x7FFC;
/// `EITR.CNT_IGNR` (bit 31).
pub const EITR_CNT_IGNR: u32 = 1 << 31;
/// Default rate with moderation on and no `*InterruptModerationRate` (Linux igb's default
/// "conservative" ceiling, 20,000 interrupts/s: EITR 196).
pub const DEFAULT_INTERRUPTS_PER_SECOND: u32 = 20_000;
/// Longest interval the field holds: 0x1FFF µs (≈ 122 interrupts/s).
pub const MAX_INTERVAL_US: u32 = EITR_INTERVAL_MASK >> 2;

/// `*InterruptModeration` / `*InterruptModerationRate` (standardized keywords: moderation 0 =
/// off, 1 = on; rate in interrupts per second, 0 = driver default).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct ModerationSetting {
    /// `*InterruptModeration` (0 off, non-zero on).
    pub enabled: bool,
    /// `*InterruptModerationRate` (interrupts/s per vector; 0 = default).
    pub rate: u32,
}

/// The EITR value for a setting: off → interval 0 (an interrupt per event); on → the interval
/// `1 s / rate`, clamped to 1..=0x1FFF µs, with CNT_IGNR. No division at run time matters here:
/// this runs at configuration time only.
#[must_use]
pub const fn eitr_value(setting: ModerationSetting) -> u32 {
    if !setting.enabled {
        return EITR_CNT_IGNR;
    }
    let rate = if setting.rate == 0 {
        DEFAULT_INTERRUPTS_PER_SECOND
    } else {
        setting.rate
    };
    let mut interval = 1_000_000 / rate;
    if interval == 0 {
        interval = 1;
    }
    if interval > MAX_INTERVAL_US {
        interval = MAX_INTERVAL_US;
    }
    ((interval << 2) & EITR_INTERVAL_MASK) | EITR_CNT_IGNR
}

/// What a DPC pass does next.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DpcNext {
    /// Work is left: queue the DPC again (NDIS `NdisMQueueDpcEx` / `DpcContext::requeue`) and
    /// return, instead of looping on.
    Requeue,
    /// Done: re-enable the vector (EIMS).
    Rearm,
}

/// A DPC's per-pass budget (Linux NAPI weight 64; NDIS asks a DPC to return within ~100 µs).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DpcBudget {
    /// Receive frames per pass.
    pub rx: usize,
    /// Transmit completions per pass.
    pub tx: usize,
}

impl Default for DpcBudget {
    fn default() -> Self {
        Self { rx: 64, tx: 256 }
    }
}

impl DpcBudget {
    /// Decides after a pass: `rx_more` / `tx_more` are the engines' "budget exhausted" answers.
    #[must_use]
    pub const fn next(rx_more: bool, tx_more: bool) -> DpcNext {
        if rx_more || tx_more {
            DpcNext::Requeue
        } else {
            DpcNext::Rearm
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(rate: u32) -> u32 {
        eitr_value(ModerationSetting {
            enabled: true,
            rate,
        })
    }

    #[test]
    fn eitr_encoding_matches_the_datasheet_and_linux() {
        // Interval µs << 2 (Linux igb rounds the same rates to IGB_20K_ITR 196, IGB_4K_ITR
        // 980, IGB_70K_ITR 56).
        assert_eq!(on(20_000) & EITR_INTERVAL_MASK, 200);
        assert_eq!(on(4_000) & EITR_INTERVAL_MASK, 1000);
        assert_eq!(on(70_000) & EITR_INTERVAL_MASK, 56);
        assert_eq!(on(0), on(DEFAULT_INTERRUPTS_PER_SECOND));
        assert_eq!(on(2_000_000) & EITR_INTERVAL_MASK, 4, "at least 1 µs");
        assert_eq!(on(1) & EITR_INTERVAL_MASK, EITR_INTERVAL_MASK, "clamped");
        assert_ne!(on(8000) & EITR_CNT_IGNR, 0);
        let off = eitr_value(ModerationSetting {
            enabled: false,
            rate: 8000,
        });
        assert_eq!(off & EITR_INTERVAL_MASK, 0);
        assert_eq!(off & 0x3, 0, "bits 1:0 reserved");
    }

    #[test]
    fn budget_requeues_only_with_work_left() {
        assert_eq!(DpcBudget::next(true, false), DpcNext::Requeue);
        assert_eq!(DpcBudget::next(false, true), DpcNext::Requeue);
        assert_eq!(DpcBudget::next(false, false), DpcNext::Rearm);
    }
}
