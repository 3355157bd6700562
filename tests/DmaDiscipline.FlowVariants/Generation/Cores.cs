namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// The base defect of each rule and its twin, written once. The case method has the parameters
/// <c>(Device device, KBuffer buf, Desc[] ring, IRing post, bool flag, int n)</c>, a local
/// <c>dma = device.Dma</c>, the ring's next slot <c>_head</c>, and <c>_inflight</c>, where a driver keeps
/// each posted mapping by slot for its completion path (which unmaps it).
/// </summary>
public static class Cores
{
    private const string Map = "$dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string MapFrom = "$dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)";
    private const string Checked = "if (dma.MappingError($v)) $ret;";
    private const string DropTo = "if (!dma.MappingError($v)) dma.UnmapSingle($v, 64, DmaDirection.ToDevice);";
    private const string DropFrom = "if (!dma.MappingError($v)) dma.UnmapSingle($v, 64, DmaDirection.FromDevice);";

    /// <summary>DMA001: the buffer's physical address written into a descriptor; twin: the mapped, checked bus address.</summary>
    public static DefectCore Dma001 { get; } = new(
        "DMA001",
        "physical address written into a descriptor",
        new Flow("ulong", "buf.PhysicalAddress.Value", "", "ring[_head].Addr = $v; ring[_head].Len = 64; _head = (_head + 1) % ring.Length;", "", ""),
        new Flow("DmaAddr", Map, Checked, "ring[_head].Addr = $v.Value; ring[_head].Len = 64; _inflight[_head] = $v; _head = (_head + 1) % ring.Length;", "", "", DropTo));

    /// <summary>DMA002: map, check, sync, and the unmap forgotten; twin: unmapped at the end and on every early exit.</summary>
    public static DefectCore Dma002 { get; } = new(
        "DMA002",
        "mapping never unmapped",
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);", "", "", DropTo),
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        StoringTransfers: true);

    /// <summary>DMA003: the mapped address posted to the ring unchecked; twin: checked first.</summary>
    public static DefectCore Dma003 { get; } = new(
        "DMA003",
        "mapped address posted without MappingError",
        new Flow("DmaAddr", Map, "", "post.Post($v, 64);", "", "", DropTo),
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);", "", "", DropTo));

    /// <summary>DMA004: unmapped with half the map's length; twin: the map's length.</summary>
    public static DefectCore Dma004 { get; } = new(
        "DMA004",
        "unmap length differs from the map's",
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 32, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 32, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>DMA005: the CPU reads a FromDevice buffer before any sync; twin: SyncForCpu first.</summary>
    public static DefectCore Dma005 { get; } = new(
        "DMA005",
        "CPU reads the buffer while the device owns it",
        new Flow("DmaAddr", MapFrom, Checked, "var first = buf.Span[0]; Log.Value(first);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); var first = buf.Span[0]; Log.Value(first);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>DMA006: synced after its unmap; twin: synced, then unmapped.</summary>
    public static DefectCore Dma006 { get; } = new(
        "DMA006",
        "mapping synced after its unmap",
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice); dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.SyncForDevice($v, 64, DmaDirection.ToDevice); dma.UnmapSingle($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo));

    /// <summary>
    /// DMA007: the identity-domain answer decides between the physical address and a mapping; twin:
    /// the same answer only logged, the buffer always mapped. The carried value is the decision.
    /// </summary>
    public static DefectCore Dma007 { get; } = new(
        "DMA007",
        "physical address in one arm of a translation decision, a mapping in the other",
        new Flow("bool", "device.Domain?.Kind == DomainKind.Identity", "",
            "if ($v) { ring[_head].Addr = buf.PhysicalAddress.Value; } else { var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = m.Value; _inflight[_head] = m; } ring[_head].Len = 64; _head = (_head + 1) % ring.Length;",
            "", ""),
        new Flow("bool", "device.Domain?.Kind == DomainKind.Identity", "",
            "if ($v) { Log.Info(\"identity domain\"); } var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = m.Value; _inflight[_head] = m; ring[_head].Len = 64; _head = (_head + 1) % ring.Length;",
            "", ""));

    /// <summary>DMA008: a bus address made from a constant and posted; twin: a checked mapping posted.</summary>
    public static DefectCore Dma008 { get; } = new(
        "DMA008",
        "bus address forged from a constant and posted",
        new Flow("DmaAddr", "new DmaAddr(0x1000)", "", "post.Post($v, 64);", "", ""),
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);", "", "", DropTo));

    /// <summary>Every core, in rule order.</summary>
    public static IReadOnlyList<DefectCore> All { get; } = [Dma001, Dma002, Dma003, Dma004, Dma005, Dma006, Dma007, Dma008];
}
