namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// Cores written blind (issue 14, "a rule that passes only the tests written with it is not done"):
/// each modelled on a DMA bug as the engineers who found or fixed it describe it — a kernel commit,
/// a driver pull request, a review comment — before anyone ran the analyzers on them, and without
/// reading the analyzers' code. The source is named in each core's comment; the wording of the core
/// is ours. Same format and placeholders as <see cref="Cores"/>'s first cores.
/// </summary>
public static partial class Cores
{
    private const string PostSlot = "ring[_head].Len = 64; _inflight[_head] = m; _head = (_head + 1) % ring.Length;";

    /// <summary>
    /// DMA001: the mapping's failure answered by falling back to the physical address. Modelled on a
    /// review of an iwlwifi port (github.com/p14c31355/fullerene pull 219): the transmit path took
    /// <c>dma_map(...).unwrap_or(buf.phys())</c>, handing the device the CPU physical address whenever
    /// the mapping failed — "breaks IOMMU-backed systems". The carried value is the physical address;
    /// the twin only logs it on the failure path and leaves.
    /// </summary>
    public static DefectCore Dma001c { get; } = new(
        "DMA001c",
        "DMA001",
        "physical address as the fallback when the mapping fails",
        new Flow("ulong", "buf.PhysicalAddress.Value", "",
            "var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); ring[_head].Addr = dma.MappingError(m) ? $v : m.Value; " + PostSlot, "", ""),
        new Flow("ulong", "buf.PhysicalAddress.Value", "",
            "var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) { Log.Value($v); $ret; } ring[_head].Addr = m.Value; " + PostSlot, "", ""));

    /// <summary>
    /// DMA001: a chained descriptor's next pointer computed by arithmetic on the ring's physical base.
    /// Modelled on the dwc_gmac driver of Embox (github.com/embox/embox pull 1887), whose next-descriptor
    /// field was <c>&amp;priv-&gt;rxdesc_ring_paddr[idx]</c> — the physical ring base plus an index — and was
    /// changed to the ring's DMA handle plus the same offset. The carried value is the
    /// <c>PhysAddr</c> itself (not its number); the twin adds the offset to a checked mapping.
    /// </summary>
    public static DefectCore Dma001d { get; } = new(
        "DMA001d",
        "DMA001",
        "next-descriptor pointer computed from the ring's physical base",
        new Flow("PhysAddr", "buf.PhysicalAddress", "",
            "ring[_head].Addr = $v.Value + (ulong)(16 * ((_head + 1) % 4)); ring[_head].Len = 16; _head = (_head + 1) % ring.Length;", "", ""),
        new Flow("DmaAddr", Map, Checked,
            "ring[_head].Addr = $v.Value + (ulong)(16 * ((_head + 1) % 4)); ring[_head].Len = 16; _inflight[_head] = $v; _head = (_head + 1) % ring.Length;", "", "", DropTo));

    /// <summary>
    /// DMA002: a receive refill maps the buffer, then a second allocation fails and the function leaves
    /// without unmapping. The shape of the leaks fixed over and over in refill paths (the mapping made
    /// first, the skb or page allocated after it); here the second allocation is a coherent header
    /// (<c>TryAllocCoherent</c>), and on its failure the data mapping is dropped on the floor. Twin:
    /// the failure branch unmaps first.
    /// </summary>
    /// <remarks>
    /// Changed after the first run, for the run-time check (<c>--runtime</c>), not for the analyzers: the blind
    /// version handed both buffers to the ring, which the check's ring never completes, so the debug layer
    /// reported the twin's mapping and header as leaked at unbind; the twin now releases both itself. (That also
    /// took away the blind version's exception path — posting the header could throw with the data mapped —
    /// on which the variants c25/c26 made the twin leak, rightly reported; what was left of their false positive
    /// was the analysis taking <c>TryAllocCoherent</c> for a call that may throw, now fixed.) The defect's leak
    /// needs the allocation to fail, which the simulated machine never does: the run-time check cannot confirm it.
    /// </remarks>
    public static DefectCore Dma002c { get; } = new(
        "DMA002c",
        "DMA002",
        "refill leaks the mapping when an allocation after it fails",
        new Flow("DmaAddr", Map, Checked,
            "if (!dma.TryAllocCoherent(64, out var meta)) $ret; meta.Span[0] = 1; dma.SyncForDevice($v, 64, DmaDirection.ToDevice); dma.FreeCoherent(meta);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        new Flow("DmaAddr", Map, Checked,
            "if (!dma.TryAllocCoherent(64, out var meta)) { dma.UnmapSingle($v, 64, DmaDirection.ToDevice); $ret; } meta.Span[0] = 1; dma.SyncForDevice($v, 64, DmaDirection.ToDevice); dma.FreeCoherent(meta);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        StoringTransfers: true,
        NotWith: new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["c28"] = "the release in `finally` runs when the allocation fails too: nothing leaks",
            ["c40"] = "the release in `finally` runs when the allocation fails too: nothing leaks",
        });

    /// <summary>
    /// DMA002: the error path's unmap is gated on a flag that is only set once everything succeeded.
    /// Modelled on io_uring/zcrx "fix sgtable leak on mapping failures" (as explained at
    /// lexplain.net): when populating the area failed after the scatter-gather table was mapped, the
    /// cleanup was skipped because <c>is_mapped</c> was only set on success. Twin: the flag is set
    /// as soon as the mapping is known good, so the gated cleanup runs (a look-alike whose gate is
    /// always open).
    /// </summary>
    /// <remarks>
    /// Changed after the first run, for the run-time check only: the blind version's success path handed the
    /// mapping to the ring, which the check's ring never completes (the debug layer reported the twin leaking at
    /// unbind); both sides now unmap it at the end.
    /// </remarks>
    public static DefectCore Dma002d { get; } = new(
        "DMA002d",
        "DMA002",
        "error-path unmap gated on a flag set only on success",
        new Flow("DmaAddr", Map, Checked,
            "var mapped = false; if (buf.Length > 2048) { if (mapped) dma.UnmapSingle($v, 64, DmaDirection.ToDevice); $ret; } mapped = true; dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        new Flow("DmaAddr", Map, Checked,
            "var mapped = true; if (buf.Length > 2048) { if (mapped) dma.UnmapSingle($v, 64, DmaDirection.ToDevice); $ret; } dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        StoringTransfers: true,
        NotWith: new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["c28"] = "the release in `finally` runs on the early return too: nothing leaks",
            ["c40"] = "the release in `finally` runs on the early return too: nothing leaks",
        });

    /// <summary>
    /// DMA003: the mapping tested by comparing its address with zero. Modelled on mtip32xx "fix checks
    /// for dma mapping errors" (Linux commit 5173cb814b36: the address "compared with zero, while
    /// pci_dma_mapping_error() should be used"), a mistake common enough that the kernel carries a
    /// Coccinelle script rewriting <c>!dma_addr</c> into <c>dma_mapping_error()</c>. Twin: <c>MappingError</c>.
    /// </summary>
    public static DefectCore Dma003c { get; } = new(
        "DMA003c",
        "DMA003",
        "mapping error tested by comparing the address with zero",
        new Flow("DmaAddr", Map, "if ($v.Value == 0) $ret;", "post.Post($v, 64);", "", "", DropTo),
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);", "", "", DropTo));

    /// <summary>
    /// DMA003: the check is made and its answer only logged. Modelled on krping (github.com/larrystevenwise/krping
    /// pull 12), whose first version of the fix added <c>ib_dma_mapping_error()</c> with only a debug
    /// log on failure; the maintainer: "you need to handle these errors and not just log something…
    /// krping should bail out". Twin: it bails out.
    /// </summary>
    public static DefectCore Dma003d { get; } = new(
        "DMA003d",
        "DMA003",
        "mapping error checked, logged, and ignored",
        new Flow("DmaAddr", Map, "if (dma.MappingError($v)) Log.Info(\"map failed\");", "post.Post($v, 64);", "", "", DropTo),
        new Flow("DmaAddr", Map, "if (dma.MappingError($v)) { Log.Info(\"map failed\"); $ret; }", "post.Post($v, 64);", "", "", DropTo));

    /// <summary>
    /// DMA003: the mapped address written into the descriptor before the check. Modelled on the
    /// Embox dwc_gmac receive setup (github.com/embox/embox pull 1887), which stores the result of
    /// <c>dma_map_single</c> straight into the descriptor's buffer field; here the check exists but
    /// comes after the store, so a failed mapping's error value is already in the ring. Twin: the
    /// check first.
    /// </summary>
    public static DefectCore Dma003e { get; } = new(
        "DMA003e",
        "DMA003",
        "address written into the descriptor before the check",
        new Flow("DmaAddr", Map, "",
            "ring[_head].Addr = $v.Value; if (dma.MappingError($v)) $ret; ring[_head].Len = 64; _inflight[_head] = $v; _head = (_head + 1) % ring.Length;", "", "", DropTo),
        new Flow("DmaAddr", Map, "",
            "if (dma.MappingError($v)) $ret; ring[_head].Addr = $v.Value; ring[_head].Len = 64; _inflight[_head] = $v; _head = (_head + 1) % ring.Length;", "", "", DropTo));

    /// <summary>
    /// DMA004: the unmap length taken from the received frame's length instead of the mapping's.
    /// Modelled on ftgmac100 (github.com/openbmc/linux issue 201: "device driver frees DMA memory with
    /// different size … [map size=1536 bytes] [unmap size=42 bytes]"), where the receive path unmapped
    /// with the frame size it had just computed. Here the length starts as the map's and is trimmed
    /// (the FCS stripped) after the map; the twin trims it too but unmaps with the map's length.
    /// </summary>
    public static DefectCore Dma004c { get; } = new(
        "DMA004c",
        "DMA004",
        "unmap length from a length updated after the map",
        new Flow("DmaAddr", MapFrom, Checked + " var frame = 64;", "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); frame -= 4; Log.Value((ulong)frame);",
            "dma.UnmapSingle($v, frame, DmaDirection.FromDevice);", "dma.UnmapSingle($v, frame, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked + " var frame = 64;", "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); frame -= 4; Log.Value((ulong)frame);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>
    /// DMA004: a receive buffer mapped <c>ToDevice</c> and unmapped <c>FromDevice</c>. Modelled on the
    /// Qualcomm PPE EDMA fix (github.com/perceival/openwrt-flint3 pull 92: the refill "maps the buffers
    /// it posts with DMA_TO_DEVICE … while edma_rx_reap() unmaps them with DMA_FROM_DEVICE"), and the
    /// phytium vnet review (github.com/deepin-community/kernel pull 1679) of TX pages unmapped
    /// <c>DMA_FROM_DEVICE</c>. Twin: mapped <c>FromDevice</c>.
    /// </summary>
    public static DefectCore Dma004d { get; } = new(
        "DMA004d",
        "DMA004",
        "receive buffer mapped `ToDevice`, unmapped `FromDevice`",
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropTo),
        new Flow("DmaAddr", MapFrom, Checked, "post.Post($v, 64);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>
    /// DMA005: the header of a received frame read before the sync for the CPU, the payload after it.
    /// Modelled on the reports of receive paths reading device-written data without
    /// <c>dma_sync_single_for_cpu</c> (github.com/luigirizzo/netmap issue 409, "Missing dma synchronization
    /// from device"; github.com/fujita/rust-e1000 pull 9; a review in github.com/p14c31355/fullerene
    /// pull 338: the RX status word read without invalidation). Here a sync exists, one statement late.
    /// Twin: the sync first.
    /// </summary>
    public static DefectCore Dma005c { get; } = new(
        "DMA005c",
        "DMA005",
        "frame header read before the sync for the CPU",
        new Flow("DmaAddr", MapFrom, Checked,
            "var etherType = buf.Span[12] << 8 | buf.Span[13]; dma.SyncForCpu($v, 64, DmaDirection.FromDevice); Log.Value((ulong)etherType);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked,
            "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); var etherType = buf.Span[12] << 8 | buf.Span[13]; Log.Value((ulong)etherType);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>
    /// DMA005: a completion record read again after it was given back to the device. Modelled on the
    /// FreeBSD nvme fix (reviews.freebsd.org D31002: after reading the phase, "we resync the dmatag to
    /// reflect changes since the prior loop for the bouncing dma case"): the driver syncs, reads the
    /// phase, hands the memory back (<c>SyncForDevice</c>) and reads the rest of the record without a
    /// new sync. Twin: everything read before the hand-back.
    /// </summary>
    /// <remarks>
    /// Changed after the first run, for the run-time check only: the blind version read the rest of the record
    /// only when the phase bit was set, which the simulated device never sets, so the debug layer never saw the
    /// read; the record is now read whatever the phase, and used only when it is set.
    /// </remarks>
    public static DefectCore Dma005d { get; } = new(
        "DMA005d",
        "DMA005",
        "completion record read after it was given back to the device",
        new Flow("DmaAddr", MapFrom, Checked,
            "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); var phase = buf.Span[15]; dma.SyncForDevice($v, 64, DmaDirection.FromDevice); var cid = buf.Span[12]; if (phase != 0) Log.Value(cid);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked,
            "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); var phase = buf.Span[15]; var cid = buf.Span[12]; if (phase != 0) Log.Value(cid); dma.SyncForDevice($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>
    /// DMA006: unmapped on completion, then again by the teardown, because the slot still says it
    /// holds a mapping. Modelled on the ramips frame-engine fix (github.com/openwrt/openwrt pull 24268:
    /// "clear dma_len0 and dma_len1 after unmapping a TX descriptor, so a reused slot cannot trigger a
    /// bogus DMA unmap"): the teardown unmaps when the recorded length is non-zero. Twin: the length is
    /// cleared at the completion's unmap (a look-alike whose second unmap never runs).
    /// </summary>
    public static DefectCore Dma006c { get; } = new(
        "DMA006c",
        "DMA006",
        "unmapped by the completion and again by the teardown",
        new Flow("DmaAddr", Map, Checked + " var unmapLen = 64;",
            "post.Post($v, 64); dma.UnmapSingle($v, unmapLen, DmaDirection.ToDevice);",
            "if (unmapLen != 0) dma.UnmapSingle($v, unmapLen, DmaDirection.ToDevice);", "", DropTo),
        new Flow("DmaAddr", Map, Checked + " var unmapLen = 64;",
            "post.Post($v, 64); dma.UnmapSingle($v, unmapLen, DmaDirection.ToDevice); unmapLen = 0;",
            "if (unmapLen != 0) dma.UnmapSingle($v, unmapLen, DmaDirection.ToDevice);", "", DropTo));

    /// <summary>
    /// DMA006: an error arm unmaps and falls through to the common unmap. Modelled on the FreeBSD
    /// iommu_gas fix "Avoid double unmapping on error" (reviews.freebsd.org rGe9711ea5e2f5: the failed
    /// entry was unmapped "twice, first in iommu_gas_map_region(), and a second time in the caller").
    /// Twin: the error arm only reports; the common unmap releases.
    /// </summary>
    public static DefectCore Dma006d { get; } = new(
        "DMA006d",
        "DMA006",
        "error arm unmaps, then falls through to the common unmap",
        new Flow("DmaAddr", Map, Checked,
            "if (buf.Length > 1500) { dma.UnmapSingle($v, 64, DmaDirection.ToDevice); Log.Info(\"too long\"); } else { post.Post($v, 64); }",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        new Flow("DmaAddr", Map, Checked,
            "if (buf.Length > 1500) { Log.Info(\"too long\"); } else { post.Post($v, 64); }",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo));

    /// <summary>
    /// DMA007: a platform flag decides, after the buffer was mapped, whether the device gets the
    /// mapping or the physical address. Modelled on the virtio "use the DMA API only when the platform
    /// asks" settlement (github.com/cloud-hypervisor/cloud-hypervisor pull 2881: confidential guests must
    /// force ACCESS_PLATFORM because otherwise the drivers hand the device guest-physical addresses;
    /// github.com/microsoft/openvmm pull 3448: "Linux's virtio driver bypasses the DMA API and programs raw
    /// GPAs into virtqueues"). The carried value is the decision (not confidential: skip translation).
    /// Twin: the flag only logged.
    /// </summary>
    public static DefectCore Dma007c { get; } = new(
        "DMA007c",
        "DMA007",
        "platform flag chooses between the mapping and the physical address with `?:`",
        new Flow("bool", "!device.Machine.Options.Confidential", "",
            "var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = $v ? buf.PhysicalAddress.Value : m.Value; " + PostSlot, "", ""),
        new Flow("bool", "!device.Machine.Options.Confidential", "",
            "var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; if ($v) Log.Info(\"shared memory\"); ring[_head].Addr = m.Value; " + PostSlot, "", ""));

    /// <summary>
    /// DMA007: no IOMMU, so the driver posts the physical address and leaves early; the mapped path
    /// follows. Modelled on drivers that test <c>iommu_present()</c> and skip the DMA API without one,
    /// replaced upstream by the DMA API itself (github.com/raspberrypi/linux pull 6658 replacing a
    /// driver's own <c>phys_to_dma</c> with <c>dma_map_resource</c> is the same settlement). Twin: the
    /// answer only logged, the buffer always mapped.
    /// </summary>
    public static DefectCore Dma007d { get; } = new(
        "DMA007d",
        "DMA007",
        "no IOMMU: physical address posted in an early-leaving branch",
        new Flow("bool", "device.Machine.Iommu is null", "",
            "if ($v) { ring[_head].Addr = buf.PhysicalAddress.Value; ring[_head].Len = 64; _head = (_head + 1) % ring.Length; $ret; } var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = m.Value; " + PostSlot, "", ""),
        new Flow("bool", "device.Machine.Iommu is null", "",
            "if ($v) { Log.Info(\"no IOMMU\"); } var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = m.Value; " + PostSlot, "", ""));

    /// <summary>
    /// DMA008: the bus address made by hand from the physical address and the SoC's bus alias. Modelled
    /// on the bcm2835 DMA fix (github.com/raspberrypi/linux pull 6658: calls to <c>phys_to_dma</c>, "a
    /// function that belongs to the internals of the DMA framework", replaced with <c>dma_map_resource</c>);
    /// here the translation is done inline, the physical address OR-ed with the VideoCore's
    /// 0xC0000000 alias. Twin: a checked mapping.
    /// </summary>
    public static DefectCore Dma008c { get; } = new(
        "DMA008c",
        "DMA008",
        "bus address made from the physical address and a bus alias",
        new Flow("DmaAddr", "new DmaAddr(buf.PhysicalAddress.Value | 0xC0000000UL)", "", "post.Post($v, 64);", "", ""),
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);", "", "", DropTo));

    /// <summary>
    /// DMA008: the handle to sync and unmap rebuilt from an address the device wrote into a completion
    /// entry. Modelled on MigTD (github.com/intel/MigTD pulls 989 and 996: "free_dma_memory frees by the
    /// address it is handed, and its callers pass addresses taken from completed descriptors, which the
    /// host owns"). The completion entry is in device memory (<c>Completions.Entry</c>, a
    /// <c>[DeviceMemory]</c> span of the prelude). Twin: the driver's own checked mapping.
    /// </summary>
    /// <remarks>
    /// Corrected after the first run: the blind version read the entry from the bytes of <c>buf</c>, a
    /// <c>KBuffer</c> — the runtime's kmalloc, which a device reaches only through a mapping, and where a driver
    /// may keep its own handle (as Linux drivers keep one in <c>skb-&gt;cb</c>). Read from there, the value is not
    /// the device's, and the rule rightly does not report it (DMA008DeviceWrittenTests has that look-alike); the
    /// MigTD bug reads descriptors in memory the host shares with the guest, which is what the core now does.
    /// </remarks>
    public static DefectCore Dma008d { get; } = new(
        "DMA008d",
        "DMA008",
        "handle rebuilt from an address the device wrote into a completion entry",
        new Flow("DmaAddr", "new DmaAddr(System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(Completions.Entry))", "",
            "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);"),
        new Flow("DmaAddr", MapFrom, Checked,
            "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));
}
