//! Register offsets and bit positions the model implements, taken from `igb-hardware.md`
//! (§2 PF registers, §3 VF register map, §4 descriptors, §5 mailbox). The model keeps its own
//! copy on purpose: its behaviour is derived from the datasheet facts, not from the driver's
//! register layer, so a mistake in one is caught by the other (see `tests/register_names.rs`).

// ---- §2.1 general control / status -------------------------------------------------------
/// Device control.
pub const CTRL: u32 = 0x0000;
/// Duplicate of CTRL.
pub const CTRL_DUP: u32 = 0x0004;
/// Device status (read-only).
pub const STATUS: u32 = 0x0008;
/// EEPROM/flash control (only AUTO_RD is modelled).
pub const EECD: u32 = 0x0010;
/// Extended device control.
pub const CTRL_EXT: u32 = 0x0018;
/// NVM read (82576 datasheet 8.2.2): START bit 0, DONE bit 1, ADDR 15:2, DATA 31:16.
pub const EERD: u32 = 0x0014;
/// MDI control (82576 datasheet 8.2.4): DATA 15:0, REGADD 20:16, PHYADD 25:21, OP 27:26,
/// R bit 28, I bit 29, E bit 30.
pub const MDIC: u32 = 0x0020;
/// Flow control transmit timer value.
pub const FCTTV: u32 = 0x0170;
/// Flow control receive threshold low.
pub const FCRTL: u32 = 0x2160;
/// Flow control receive threshold high.
pub const FCRTH: u32 = 0x2168;
/// VLAN EtherType.
pub const VET: u32 = 0x0038;
/// Free-running timer (µs of virtual time).
pub const FRTIMER: u32 = 0x1048;

/// CTRL.GIO_MASTER_DISABLE.
pub const CTRL_GIO_MASTER_DISABLE: u32 = 1 << 2;
/// CTRL.SLU (set link up).
pub const CTRL_SLU: u32 = 1 << 6;
/// CTRL.RST: self-clearing full MAC reset.
pub const CTRL_RST: u32 = 1 << 26;
/// CTRL.DEV_RST: device reset (treated like RST).
pub const CTRL_DEV_RST: u32 = 1 << 29;
/// CTRL.VME: VLAN mode enable (Rx strip outside VMDq mode).
pub const CTRL_VME: u32 = 1 << 30;
/// CTRL.RFCE: Rx flow control enable (recorded only).
pub const CTRL_RFCE: u32 = 1 << 27;
/// CTRL.TFCE: Tx flow control enable (recorded only).
pub const CTRL_TFCE: u32 = 1 << 28;

/// MDIC.R: access done.
pub const MDIC_READY: u32 = 1 << 28;
/// MDIC.I: interrupt (ICR.MDAC) at completion.
pub const MDIC_INTERRUPT: u32 = 1 << 29;
/// MDIC.E: error (no such PHY / bad opcode).
pub const MDIC_ERROR: u32 = 1 << 30;
/// MDIC.OP = write (bits 27:26 = 01).
pub const MDIC_OP_WRITE: u32 = 0b01 << 26;
/// MDIC.OP = read (bits 27:26 = 10).
pub const MDIC_OP_READ: u32 = 0b10 << 26;
/// MDIC.REGADD shift.
pub const MDIC_REGADD_SHIFT: u32 = 16;
/// MDIC.PHYADD shift (the internal PHY is address 1).
pub const MDIC_PHYADD_SHIFT: u32 = 21;

/// EERD.START.
pub const EERD_START: u32 = 1 << 0;
/// EERD.DONE.
pub const EERD_DONE: u32 = 1 << 1;
/// EERD.ADDR shift (bits 15:2).
pub const EERD_ADDR_SHIFT: u32 = 2;
/// EERD.DATA shift (bits 31:16).
pub const EERD_DATA_SHIFT: u32 = 16;

/// STATUS.FD.
pub const STATUS_FD: u32 = 1 << 0;
/// STATUS.LU.
pub const STATUS_LU: u32 = 1 << 1;
/// STATUS.SPEED = 1000 Mb/s (bits 7:6 = 10b).
pub const STATUS_SPEED_1000: u32 = 0b10 << 6;
/// STATUS.NUM_VFS shift (bits 17:14, QEMU IOV mode).
pub const STATUS_NUM_VFS_SHIFT: u32 = 14;
/// STATUS.IOV_MODE.
pub const STATUS_IOV_MODE: u32 = 1 << 18;
/// STATUS.GIO_MASTER_ENABLE.
pub const STATUS_GIO_MASTER_ENABLE: u32 = 1 << 19;

/// EECD.AUTO_RD: NVM auto-read done.
pub const EECD_AUTO_RD: u32 = 1 << 9;
/// EECD.PRES: NVM present.
pub const EECD_PRES: u32 = 1 << 8;

/// CTRL_EXT.PFRSTD: PF reset done (drives VF mailbox RSTD).
pub const CTRL_EXT_PFRSTD: u32 = 1 << 14;
/// CTRL_EXT.EIAME.
pub const CTRL_EXT_EIAME: u32 = 1 << 24;

// ---- §2.7 interrupts ----------------------------------------------------------------------
/// Legacy interrupt cause read (read-to-clear).
pub const ICR: u32 = 0x00C0;
/// Legacy interrupt cause set.
pub const ICS: u32 = 0x00C8;
/// Legacy interrupt mask set/read.
pub const IMS: u32 = 0x00D0;
/// Legacy interrupt mask clear.
pub const IMC: u32 = 0x00D8;
/// Legacy interrupt auto-mask.
pub const IAM: u32 = 0x00E0;
/// General purpose interrupt enable.
pub const GPIE: u32 = 0x1514;
/// Extended interrupt cause set.
pub const EICS: u32 = 0x1520;
/// Extended interrupt mask set/read.
pub const EIMS: u32 = 0x1524;
/// Extended interrupt mask clear.
pub const EIMC: u32 = 0x1528;
/// Extended interrupt auto-clear.
pub const EIAC: u32 = 0x152C;
/// Extended interrupt auto-mask.
pub const EIAM: u32 = 0x1530;
/// Extended interrupt cause read (read-to-clear).
pub const EICR: u32 = 0x1580;
/// EITR(i) = `EITR0 + 4 * i`, i in 0..25.
pub const EITR0: u32 = 0x1680;
/// IVAR0(i) = `IVAR0 + 4 * i`, i in 0..8.
pub const IVAR0: u32 = 0x1700;
/// IVAR_MISC.
pub const IVAR_MISC: u32 = 0x1740;

/// ICR.LSC (link status change).
pub const ICR_LSC: u32 = 1 << 2;
/// ICR.RXO (receiver overrun / no descriptors).
pub const ICR_RXO: u32 = 1 << 6;
/// ICR.MDAC (MDIC access done, with MDIC.I).
pub const ICR_MDAC: u32 = 1 << 9;
/// ICR.VMMB (VF mailbox / VFLR event).
pub const ICR_VMMB: u32 = 1 << 8;
/// ICR.DOUTSYNC (spoof event in IOV mode).
pub const ICR_DOUTSYNC: u32 = 1 << 28;

/// GPIE.NSICR.
pub const GPIE_NSICR: u32 = 1 << 0;
/// GPIE.MSIX_MODE.
pub const GPIE_MSIX_MODE: u32 = 1 << 4;
/// GPIE.EIAME.
pub const GPIE_EIAME: u32 = 1 << 30;
/// GPIE.PBA.
pub const GPIE_PBA: u32 = 1 << 31;

/// IVAR entry valid bit.
pub const IVAR_VALID: u32 = 0x80;
/// Extended causes that exist in MSI-X mode (bits 24:0).
pub const EICR_MSIX_MASK: u32 = 0x01FF_FFFF;

// ---- Rx / Tx control --------------------------------------------------------------------
/// Receive control.
pub const RCTL: u32 = 0x0100;
/// Transmit control.
pub const TCTL: u32 = 0x0400;
/// Rx checksum control.
pub const RXCSUM: u32 = 0x5000;
/// Global long-packet maximum length.
pub const RLPML: u32 = 0x5004;

/// RCTL.EN.
pub const RCTL_EN: u32 = 1 << 1;
/// RCTL.UPE (unicast promiscuous, non-VMDq).
pub const RCTL_UPE: u32 = 1 << 3;
/// RCTL.MPE (multicast promiscuous, non-VMDq).
pub const RCTL_MPE: u32 = 1 << 4;
/// RCTL.LPE (long packet enable).
pub const RCTL_LPE: u32 = 1 << 5;
/// RCTL.BAM (broadcast accept, non-VMDq).
pub const RCTL_BAM: u32 = 1 << 15;
/// RCTL.BSIZE (bits 17:16).
pub const RCTL_BSIZE_SHIFT: u32 = 16;
/// RCTL.VFE (VLAN filter enable).
pub const RCTL_VFE: u32 = 1 << 18;
/// RCTL.BSEX.
pub const RCTL_BSEX: u32 = 1 << 25;
/// RCTL.SECRC (strip CRC).
pub const RCTL_SECRC: u32 = 1 << 26;

/// TCTL.EN.
pub const TCTL_EN: u32 = 1 << 1;
/// TCTL.PSP (pad short packets).
pub const TCTL_PSP: u32 = 1 << 3;

/// RXCSUM.IPOFLD (IPv4 header checksum offload).
pub const RXCSUM_IPOFLD: u32 = 1 << 8;
/// RXCSUM.TUOFLD (TCP/UDP checksum offload).
pub const RXCSUM_TUOFLD: u32 = 1 << 9;
/// RXCSUM.PCSD (packet checksum disable: RSS hash in the descriptor instead).
pub const RXCSUM_PCSD: u32 = 1 << 13;

// ---- §2.2 / §2.3 / §2.4 virtualization ----------------------------------------------------
/// Multiple receive queues command.
pub const MRQC: u32 = 0x5818;
/// VMDq control.
pub const VT_CTL: u32 = 0x581C;
/// Per-pool Rx enable.
pub const VFRE: u32 = 0x0C8C;
/// Per-pool Tx enable.
pub const VFTE: u32 = 0x0C90;
/// VMOLR(p) = `VMOLR0 + 4 * p`.
pub const VMOLR0: u32 = 0x5AD0;
/// VMVIR(p) = `VMVIR0 + 4 * p`.
pub const VMVIR0: u32 = 0x3700;
/// DVMOLR(p) = `DVMOLR0 + 0x40 * p` (I350).
pub const DVMOLR0: u32 = 0xC038;
/// Replication offload (82576).
pub const RPLOLR: u32 = 0x5AF0;
/// DMA Tx control.
pub const DTXCTL: u32 = 0x3590;
/// Queue drop enable.
pub const QDE: u32 = 0x2408;
/// PSRTYPE(p) = `PSRTYPE0 + 4 * p`.
pub const PSRTYPE0: u32 = 0x5480;
/// IOV control.
pub const IOVCTL: u32 = 0x5BBC;
/// RAL(i): i < 16 at `RAL0 + 8 * i`, else `RAL16 + 8 * (i - 16)`; RAH = RAL + 4.
pub const RAL0: u32 = 0x5400;
/// Second half of the receive-address table.
pub const RAL16: u32 = 0x54E0;
/// MTA (128 dwords).
pub const MTA0: u32 = 0x5200;
/// UTA (128 dwords).
pub const UTA0: u32 = 0xA000;
/// VFTA (128 dwords).
pub const VFTA0: u32 = 0x5600;
/// VLVF(i) = `VLVF0 + 4 * i`, i in 0..32.
pub const VLVF0: u32 = 0x5D00;
/// DMA Tx switch control (82576).
pub const DTXSWC: u32 = 0x3500;
/// Tx switch control (I350; same bits as DTXSWC).
pub const TXSWC: u32 = 0x5ACC;
/// Wrong VM behaviour (read-to-clear).
pub const WVBR: u32 = 0x3554;
/// Last VM misbehaviour cause (I350).
pub const LVMMC: u32 = 0x3548;

/// MRQC mode: RSS only (`E1000_MRQC_ENABLE_RSS_MQ`).
pub const MRQC_MODE_RSS: u32 = 0b010;
/// MRQC RSS field enable: hash TCP over IPv4 (4-tuple).
pub const MRQC_RSS_FIELD_IPV4_TCP: u32 = 1 << 16;
/// MRQC RSS field enable: hash IPv4 addresses.
pub const MRQC_RSS_FIELD_IPV4: u32 = 1 << 17;
/// MRQC RSS field enable: TCP over IPv6 with extension headers (not modelled: no ext headers).
pub const MRQC_RSS_FIELD_IPV6_TCP_EX: u32 = 1 << 18;
/// MRQC RSS field enable: IPv6 with extension headers (not modelled).
pub const MRQC_RSS_FIELD_IPV6_EX: u32 = 1 << 19;
/// MRQC RSS field enable: hash IPv6 addresses.
pub const MRQC_RSS_FIELD_IPV6: u32 = 1 << 20;
/// MRQC RSS field enable: hash TCP over IPv6 (4-tuple).
pub const MRQC_RSS_FIELD_IPV6_TCP: u32 = 1 << 21;
/// MRQC RSS field enable: hash UDP over IPv4 (4-tuple).
pub const MRQC_RSS_FIELD_IPV4_UDP: u32 = 1 << 22;
/// MRQC RSS field enable: hash UDP over IPv6 (4-tuple).
pub const MRQC_RSS_FIELD_IPV6_UDP: u32 = 1 << 23;
/// RETA: 32 registers, 128 one-byte entries (entry n = byte n%4 of RETA[n/4]).
pub const RETA0: u32 = 0x5C00;
/// RSSRK: 10 registers, the 40-byte Toeplitz key (key byte n = byte n%4 of RSSRK[n/4]).
pub const RSSRK0: u32 = 0x5C80;
/// Rx write-back RSS types (dword 0 bits 3:0).
pub const RXD_RSS_TCPV4: u32 = 1;
/// RSS type IPv4.
pub const RXD_RSS_IPV4: u32 = 2;
/// RSS type TCPv6.
pub const RXD_RSS_TCPV6: u32 = 3;
/// RSS type IPv6.
pub const RXD_RSS_IPV6: u32 = 5;
/// RSS type UDPv4.
pub const RXD_RSS_UDPV4: u32 = 7;
/// RSS type UDPv6.
pub const RXD_RSS_UDPV6: u32 = 8;
/// MRQC mode: VMDq only.
pub const MRQC_MODE_VMDQ: u32 = 0b011;
/// MRQC mode: VMDq + RSS.
pub const MRQC_MODE_VMDQ_RSS: u32 = 0b101;

/// VT_CTL.DEF_PL shift (bits 9:7).
pub const VT_CTL_DEF_PL_SHIFT: u32 = 7;
/// VT_CTL.DIS_DEF_POOL.
pub const VT_CTL_DIS_DEF_POOL: u32 = 1 << 29;
/// VT_CTL.REPL_EN.
pub const VT_CTL_REPL_EN: u32 = 1 << 30;

/// VMOLR.RLPML mask (bits 13:0).
pub const VMOLR_RLPML_MASK: u32 = 0x3FFF;
/// VMOLR.LPE.
pub const VMOLR_LPE: u32 = 1 << 16;
/// VMOLR.RSSE.
pub const VMOLR_RSSE: u32 = 1 << 17;
/// VMOLR.AUPE (accept untagged).
pub const VMOLR_AUPE: u32 = 1 << 24;
/// VMOLR.ROMPE (accept MTA-hash multicast).
pub const VMOLR_ROMPE: u32 = 1 << 25;
/// VMOLR.ROPE (accept UTA-hash unicast).
pub const VMOLR_ROPE: u32 = 1 << 26;
/// VMOLR.BAM (accept broadcast).
pub const VMOLR_BAM: u32 = 1 << 27;
/// VMOLR.MPME (multicast promiscuous).
pub const VMOLR_MPME: u32 = 1 << 28;
/// VMOLR.UPE (unicast promiscuous, I350).
pub const VMOLR_UPE: u32 = 1 << 29;
/// VMOLR.STRVLAN (82576).
pub const VMOLR_STRVLAN: u32 = 1 << 30;
/// VMOLR.STRCRC.
pub const VMOLR_STRCRC: u32 = 1 << 31;
/// DVMOLR.STRVLAN (I350).
pub const DVMOLR_STRVLAN: u32 = 1 << 30;
/// DVMOLR.STRCRC (I350).
pub const DVMOLR_STRCRC: u32 = 1 << 31;
/// RPLOLR.STRVLAN.
pub const RPLOLR_STRVLAN: u32 = 1 << 30;
/// RPLOLR.STRCRC.
pub const RPLOLR_STRCRC: u32 = 1 << 31;

/// VMVIR.VLANA = always insert the default VLAN.
pub const VMVIR_VLANA_DEFAULT: u32 = 1 << 30;
/// VMVIR.VLANA = never insert.
pub const VMVIR_VLANA_NEVER: u32 = 1 << 31;

/// RAH.POOLSEL shift (bits 25:18).
pub const RAH_POOLSEL_SHIFT: u32 = 18;
/// RAH.AV (address valid).
pub const RAH_AV: u32 = 1 << 31;

/// VLVF.VID mask.
pub const VLVF_VID_MASK: u32 = 0xFFF;
/// VLVF.POOLSEL shift (bits 19:12).
pub const VLVF_POOLSEL_SHIFT: u32 = 12;
/// VLVF.VI_EN.
pub const VLVF_VI_EN: u32 = 1 << 31;

/// DTXSWC/TXSWC: VLAN anti-spoof per pool shift (bits 15:8).
pub const TXSWC_VLAN_SPOOF_SHIFT: u32 = 8;
/// DTXSWC/TXSWC: local loopback per pool shift (bits 23:16).
pub const TXSWC_LLE_SHIFT: u32 = 16;
/// DTXSWC/TXSWC: global VMDq loopback enable.
pub const TXSWC_LOOPBACK_EN: u32 = 1 << 31;

// ---- §2.5 / §5 mailbox ------------------------------------------------------------------
/// VMBMEM(n) = `VMBMEM0 + 64 * n` in the PF BAR; at `VMBMEM0` in a VF BAR.
pub const VMBMEM0: u32 = 0x0800;
/// P2VMAILBOX(n) = `P2VMAILBOX0 + 4 * n`.
pub const P2VMAILBOX0: u32 = 0x0C00;
/// Mailbox VF interrupt cause (VFREQ 7:0, VFACK 23:16; W1C).
pub const MBVFICR: u32 = 0x0C80;
/// Mailbox VF interrupt mask (1 = enabled).
pub const MBVFIMR: u32 = 0x0C84;
/// VF level reset events (W1C).
pub const VFLRE: u32 = 0x0C88;
/// VF BAR: V2PMAILBOX.
pub const V2PMAILBOX: u32 = 0x0C40;

/// P2VMAILBOX.STS.
pub const P2V_STS: u32 = 1 << 0;
/// P2VMAILBOX.ACK.
pub const P2V_ACK: u32 = 1 << 1;
/// P2VMAILBOX.VFU.
pub const P2V_VFU: u32 = 1 << 2;
/// P2VMAILBOX.PFU.
pub const P2V_PFU: u32 = 1 << 3;
/// P2VMAILBOX.RVFU.
pub const P2V_RVFU: u32 = 1 << 4;

/// V2PMAILBOX.REQ.
pub const V2P_REQ: u32 = 1 << 0;
/// V2PMAILBOX.ACK.
pub const V2P_ACK: u32 = 1 << 1;
/// V2PMAILBOX.VFU.
pub const V2P_VFU: u32 = 1 << 2;
/// V2PMAILBOX.PFU.
pub const V2P_PFU: u32 = 1 << 3;
/// V2PMAILBOX.PFSTS (read-to-clear).
pub const V2P_PFSTS: u32 = 1 << 4;
/// V2PMAILBOX.PFACK (read-to-clear).
pub const V2P_PFACK: u32 = 1 << 5;
/// V2PMAILBOX.RSTI.
pub const V2P_RSTI: u32 = 1 << 6;
/// V2PMAILBOX.RSTD (read-to-clear).
pub const V2P_RSTD: u32 = 1 << 7;

// ---- §3 VF register map -------------------------------------------------------------------
/// VF: VTCTRL.
pub const VTCTRL: u32 = 0x0000;
/// VF: VTSTATUS.
pub const VTSTATUS: u32 = 0x0008;
/// VF: VTFRTIMER.
pub const VTFRTIMER: u32 = 0x1048;
/// VF: VTEICS.
pub const VTEICS: u32 = 0x1520;
/// VF: VTEIMS.
pub const VTEIMS: u32 = 0x1524;
/// VF: VTEIMC.
pub const VTEIMC: u32 = 0x1528;
/// VF: VTEIAC.
pub const VTEIAC: u32 = 0x152C;
/// VF: VTEIAM.
pub const VTEIAM: u32 = 0x1530;
/// VF: VTEICR.
pub const VTEICR: u32 = 0x1580;
/// VF: VTEITR(k) = `VTEITR0 + 4 * k`.
pub const VTEITR0: u32 = 0x1680;
/// VF: VTIVAR.
pub const VTIVAR: u32 = 0x1700;
/// VF: VTIVAR_MISC.
pub const VTIVAR_MISC: u32 = 0x1740;
/// VF: VTPBACL.
pub const VTPBACL: u32 = 0x0F04;
/// VF: PSRTYPE.
pub const VF_PSRTYPE: u32 = 0x0F0C;
/// VF: good packets received.
pub const VFGPRC: u32 = 0x0F10;
/// VF: good packets transmitted.
pub const VFGPTC: u32 = 0x0F14;
/// VF: good octets received.
pub const VFGORC: u32 = 0x0F18;
/// VF: good octets transmitted.
pub const VFGOTC: u32 = 0x0F34;
/// VF: multicast packets received.
pub const VFMPRC: u32 = 0x0F3C;
/// VF: good packets received by loopback.
pub const VFGPRLBC: u32 = 0x0F40;
/// VF: good packets transmitted by loopback.
pub const VFGPTLBC: u32 = 0x0F44;
/// VF: good octets received by loopback.
pub const VFGORLBC: u32 = 0x0F48;
/// VF: good octets transmitted by loopback.
pub const VFGOTLBC: u32 = 0x0F50;
/// PF mirror of VF n's registers: `PF_VF_MIRROR0 + 0x100 * n + (vf_offset & 0xFF)` for
/// VTCTRL (0x00), the statistics (0x10..0x50) and VTEICS..VTEIAM (0x20..0x30), VTEICR (0x80).
pub const PF_VF_MIRROR0: u32 = 0x1_0000;

// ---- queues (PF view) --------------------------------------------------------------------
/// Rx queue q register block: `RXQ0 + 0x40 * q` (queues 0..3 alias at `RXQ_ALIAS0 + 0x100 * q`).
pub const RXQ0: u32 = 0xC000;
/// Legacy alias of Rx queues 0..3 (and the VF view of its queues).
pub const RXQ_ALIAS0: u32 = 0x2800;
/// Tx queue q register block: `TXQ0 + 0x40 * q` (queues 0..3 alias at `TXQ_ALIAS0 + 0x100 * q`).
pub const TXQ0: u32 = 0xE000;
/// Legacy alias of Tx queues 0..3 (and the VF view of its queues).
pub const TXQ_ALIAS0: u32 = 0x3800;
/// Offset within a queue block: descriptor base low.
pub const Q_BAL: u32 = 0x00;
/// Offset within a queue block: descriptor base high.
pub const Q_BAH: u32 = 0x04;
/// Offset within a queue block: ring length in bytes.
pub const Q_LEN: u32 = 0x08;
/// Offset within an Rx queue block: SRRCTL.
pub const Q_SRRCTL: u32 = 0x0C;
/// Offset within a queue block: head.
pub const Q_HEAD: u32 = 0x10;
/// Offset within a queue block: tail.
pub const Q_TAIL: u32 = 0x18;
/// Offset within a queue block: RXDCTL / TXDCTL.
pub const Q_DCTL: u32 = 0x28;
/// Offset within an Rx queue block: RQDPC (drop count, read-to-clear).
pub const Q_RQDPC: u32 = 0x30;
/// Offset within a Tx queue block: TDWBAL.
pub const Q_TDWBAL: u32 = 0x38;
/// Offset within a Tx queue block: TDWBAH.
pub const Q_TDWBAH: u32 = 0x3C;
/// RXDCTL/TXDCTL.ENABLE.
pub const DCTL_ENABLE: u32 = 1 << 25;
/// SRRCTL.BSIZEPACKET mask (1 KiB units).
pub const SRRCTL_BSIZEPKT_MASK: u32 = 0x7F;
/// SRRCTL.DROP_EN.
pub const SRRCTL_DROP_EN: u32 = 1 << 31;

// ---- statistics (PF, read-to-clear) ------------------------------------------------------
/// CRC errors.
pub const CRCERRS: u32 = 0x4000;
/// Rx errors (PHY symbol errors).
pub const RXERRC: u32 = 0x400C;
/// Collisions (half duplex only; the model has none).
pub const COLC: u32 = 0x4028;
/// Receive length errors (undersize or oversize).
pub const RLEC: u32 = 0x4040;
/// Receive undersize (runts).
pub const RUC: u32 = 0x40A4;
/// Multicast packets transmitted.
pub const MPTC: u32 = 0x40F0;
/// Broadcast packets transmitted.
pub const BPTC: u32 = 0x40F4;
/// Missed packets (no room).
pub const MPC: u32 = 0x4010;
/// Good packets received.
pub const GPRC: u32 = 0x4074;
/// Broadcast packets received.
pub const BPRC: u32 = 0x4078;
/// Multicast packets received.
pub const MPRC: u32 = 0x407C;
/// Good packets transmitted.
pub const GPTC: u32 = 0x4080;
/// Good octets received, low.
pub const GORCL: u32 = 0x4088;
/// Good octets received, high.
pub const GORCH: u32 = 0x408C;
/// Good octets transmitted, low.
pub const GOTCL: u32 = 0x4090;
/// Good octets transmitted, high.
pub const GOTCH: u32 = 0x4094;
/// Receive no buffers.
pub const RNBC: u32 = 0x40A0;
/// Receive oversize.
pub const ROC: u32 = 0x40AC;
/// Total packets received.
pub const TPR: u32 = 0x40D0;
/// Total packets transmitted.
pub const TPT: u32 = 0x40D4;

// ---- §4 descriptors ----------------------------------------------------------------------
/// Tx cmd_type_len: DTYP shift (bits 23:20).
pub const TXD_DTYP_SHIFT: u32 = 20;
/// DTYP value of an advanced context descriptor.
pub const TXD_DTYP_CONTEXT: u32 = 0b0010;
/// DTYP value of an advanced data descriptor.
pub const TXD_DTYP_DATA: u32 = 0b0011;
/// Tx cmd: EOP.
pub const TXD_CMD_EOP: u32 = 1 << 24;
/// Tx cmd: IFCS.
pub const TXD_CMD_IFCS: u32 = 1 << 25;
/// Tx cmd: RS.
pub const TXD_CMD_RS: u32 = 1 << 27;
/// Tx cmd: DEXT.
pub const TXD_CMD_DEXT: u32 = 1 << 29;
/// Tx cmd: VLE.
pub const TXD_CMD_VLE: u32 = 1 << 30;
/// Tx cmd: TSE.
pub const TXD_CMD_TSE: u32 = 1 << 31;
/// Tx olinfo: DD (write-back).
pub const TXD_STA_DD: u32 = 1 << 0;
/// Tx olinfo: context index.
pub const TXD_OLINFO_IDX: u32 = 1 << 4;
/// Tx olinfo: POPTS.IXSM.
pub const TXD_POPTS_IXSM: u32 = 1 << 8;
/// Tx olinfo: POPTS.TXSM.
pub const TXD_POPTS_TXSM: u32 = 1 << 9;
/// Context TUCMD.IPV4.
pub const TXCTX_TUCMD_IPV4: u32 = 1 << 10;
/// Context TUCMD.L4T shift (bits 12:11: 00 UDP, 01 TCP, 10 SCTP).
pub const TXCTX_TUCMD_L4T_SHIFT: u32 = 11;

/// Rx status: DD.
pub const RXD_STAT_DD: u32 = 1 << 0;
/// Rx status: EOP.
pub const RXD_STAT_EOP: u32 = 1 << 1;
/// Rx status: VP (VLAN stripped).
pub const RXD_STAT_VP: u32 = 1 << 3;
/// Rx status: UDPCS.
pub const RXD_STAT_UDPCS: u32 = 1 << 4;
/// Rx status: L4CS.
pub const RXD_STAT_L4CS: u32 = 1 << 5;
/// Rx status: IPCS.
pub const RXD_STAT_IPCS: u32 = 1 << 6;
/// Rx status: LB (looped back from another pool).
pub const RXD_STAT_LB: u32 = 1 << 18;
/// Rx error: L4E.
pub const RXD_ERR_L4E: u32 = 1 << 29;
/// Rx error: IPE.
pub const RXD_ERR_IPE: u32 = 1 << 30;
/// Rx error: RXE (CRC, symbol or other frame error; the whole frame is bad, §4.2).
pub const RXD_ERR_RXE: u32 = 1 << 31;
/// Rx packet type (dword 0 bits 15:4): IPv4.
pub const RXD_PKT_IPV4: u32 = 0x01 << 4;
/// Rx packet type: IPv6.
pub const RXD_PKT_IPV6: u32 = 0x04 << 4;
/// Rx packet type: TCP.
pub const RXD_PKT_TCP: u32 = 0x10 << 4;
/// Rx packet type: UDP.
pub const RXD_PKT_UDP: u32 = 0x20 << 4;
