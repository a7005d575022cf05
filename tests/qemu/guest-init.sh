#!/bin/sh
# /init of the QEMU tier's guest (busybox only). Mounts the host share over 9p, prepares what
# every scenario needs (hugepages for DMA memory, VFIO's IOMMU backend), runs
# /mnt/host/run.sh and powers off. The host's timeout bounds the whole run.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mount -t hugetlbfs hugetlbfs /hugepages
echo "[init] kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime)s"
# The harness's mitigation of QEMU's TCG race (tests/qemu/README.md): TSC, not HPET, as the
# clocksource, and the local APIC in x2APIC mode (MSRs, not MMIO). Shown for the record.
apic=xapic
dmesg | grep -q 'x2apic enabled\|IRQ remapping in x2apic mode' && apic=x2apic
echo "[init] clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource), apic ${apic}"
modprobe virtio_pci
modprobe 9pnet_virtio
modprobe 9p
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host0 /mnt/host; then
    echo "[init] cannot mount the host share"
    poweroff -f
fi
# 32 x 2 MiB for ring and buffer memory (mapped through the vIOMMU by VFIO).
echo 32 > /proc/sys/vm/nr_hugepages
# busybox modprobe ignores softdeps: vfio's IOMMU backend must be loaded explicitly.
modprobe vfio_iommu_type1
ip link set lo up
cd /mnt/host
echo "[init] running scenario"
sh /mnt/host/run.sh > /mnt/host/scenario.log 2>&1
echo "[init] scenario exit=$?, up $(cut -d' ' -f1 /proc/uptime)s"
sync
poweroff -f
