namespace DmaDiscipline.FlowVariants.Generation;

/// <summary>
/// The base defect of each rule and its twin, written once. The case method has the parameters
/// <c>(Device device, KBuffer buf, Desc[] ring, IRing post, bool flag, int n)</c>, a local
/// <c>dma = device.Dma</c>, the ring's next slot <c>_head</c>, and <c>_inflight</c>, where a driver keeps
/// each posted mapping by slot for its completion path (which unmaps it).
/// </summary>
public static partial class Cores
{
    private const string Map = "$dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice)";
    private const string MapFrom = "$dma.MapSingle(buf, 0, 64, DmaDirection.FromDevice)";
    private const string Checked = "if (dma.MappingError($v)) $ret;";
    private const string DropTo = "if (!dma.MappingError($v)) dma.UnmapSingle($v, 64, DmaDirection.ToDevice);";
    private const string DropFrom = "if (!dma.MappingError($v)) dma.UnmapSingle($v, 64, DmaDirection.FromDevice);";
    private const string DropBoth = "if (!dma.MappingError($v)) dma.UnmapSingle($v, 64, DmaDirection.Bidirectional);";

    /// <summary>DMA001: the buffer's physical address written into a descriptor; twin: the mapped, checked bus address.</summary>
    public static DefectCore Dma001a { get; } = new(
        "DMA001a",
        "DMA001",
        "physical address written into a descriptor",
        new Flow("ulong", "buf.PhysicalAddress.Value", "", "ring[_head].Addr = $v; ring[_head].Len = 64; _head = (_head + 1) % ring.Length;", "", ""),
        new Flow("DmaAddr", Map, Checked, "ring[_head].Addr = $v.Value; ring[_head].Len = 64; _inflight[_head] = $v; _head = (_head + 1) % ring.Length;", "", "", DropTo));

    /// <summary>DMA002: map, check, sync, and the unmap forgotten; twin: unmapped at the end and on every early exit.</summary>
    public static DefectCore Dma002a { get; } = new(
        "DMA002a",
        "DMA002",
        "mapping never unmapped",
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);", "", "", DropTo),
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        StoringTransfers: true);

    /// <summary>DMA003: the mapped address posted to the ring unchecked; twin: checked first.</summary>
    public static DefectCore Dma003a { get; } = new(
        "DMA003a",
        "DMA003",
        "mapped address posted without MappingError",
        new Flow("DmaAddr", Map, "", "post.Post($v, 64);", "", "", DropTo),
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);", "", "", DropTo));

    /// <summary>DMA004: unmapped with half the map's length; twin: the map's length.</summary>
    public static DefectCore Dma004a { get; } = new(
        "DMA004a",
        "DMA004",
        "unmap length differs from the map's",
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 32, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 32, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>DMA005: the CPU reads a FromDevice buffer before any sync; twin: SyncForCpu first.</summary>
    public static DefectCore Dma005a { get; } = new(
        "DMA005a",
        "DMA005",
        "CPU reads the buffer while the device owns it",
        new Flow("DmaAddr", MapFrom, Checked, "var first = buf.Span[0]; Log.Value(first);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice); var first = buf.Span[0]; Log.Value(first);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>DMA006: synced after its unmap; twin: synced, then unmapped.</summary>
    public static DefectCore Dma006a { get; } = new(
        "DMA006a",
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
    public static DefectCore Dma007a { get; } = new(
        "DMA007a",
        "DMA007",
        "physical address in one arm of a translation decision, a mapping in the other",
        new Flow("bool", "device.Domain?.Kind == DomainKind.Identity", "",
            "if ($v) { ring[_head].Addr = buf.PhysicalAddress.Value; } else { var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = m.Value; _inflight[_head] = m; } ring[_head].Len = 64; _head = (_head + 1) % ring.Length;",
            "", ""),
        new Flow("bool", "device.Domain?.Kind == DomainKind.Identity", "",
            "if ($v) { Log.Info(\"identity domain\"); } var m = dma.MapSingle(buf, 0, 64, DmaDirection.ToDevice); if (dma.MappingError(m)) $ret; ring[_head].Addr = m.Value; _inflight[_head] = m; ring[_head].Len = 64; _head = (_head + 1) % ring.Length;",
            "", ""));

    /// <summary>DMA008: a bus address made from a constant and posted; twin: a checked mapping posted.</summary>
    public static DefectCore Dma008a { get; } = new(
        "DMA008a",
        "DMA008",
        "bus address forged from a constant and posted",
        new Flow("DmaAddr", "new DmaAddr(0x1000)", "", "post.Post($v, 64);", "", ""),
        new Flow("DmaAddr", Map, Checked, "post.Post($v, 64);", "", "", DropTo));

    /// <summary>DMA001: the address from <c>VirtToPhys</c> given to a <c>[BusAddress]</c> parameter; twin: the mapped, checked bus address.</summary>
    public static DefectCore Dma001b { get; } = new(
        "DMA001b",
        "DMA001",
        "`VirtToPhys` given to a `[BusAddress]` parameter",
        new Flow("ulong", "device.Machine.Memory.VirtToPhys(buf).Value", "", "regs.Doorbell($v);", "", ""),
        new Flow("DmaAddr", Map, Checked, "regs.Doorbell($v.Value); _inflight[_head] = $v; _head = (_head + 1) % ring.Length;", "", "", DropTo));

    /// <summary>DMA002: an early return between map and unmap (a buffer larger than one request takes) leaks; twin: the early return unmaps first.</summary>
    public static DefectCore Dma002b { get; } = new(
        "DMA002b",
        "DMA002",
        "mapping leaked on an early return",
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice); if (buf.Length > 2048) $ret;",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice); if (buf.Length > 2048) { dma.UnmapSingle($v, 64, DmaDirection.ToDevice); $ret; }",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        StoringTransfers: true,
        NotWith: new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["c28"] = "the release in `finally` runs on the early return too: nothing leaks",
            ["c40"] = "the release in `finally` runs on the early return too: nothing leaks",
        });

    /// <summary>DMA003: two mappings, the header's check written twice and the data's never (the copy-paste slip); twin: each checked.</summary>
    public static DefectCore Dma003b { get; } = new(
        "DMA003b",
        "DMA003",
        "the header checked twice, the data never",
        new Flow("DmaAddr", Map, "var hdr = dma.MapSingle(buf, 64, 16, DmaDirection.ToDevice); if (dma.MappingError(hdr)) $ret; if (dma.MappingError(hdr)) $ret;",
            "post.Post(hdr, 16); post.Post($v, 64);", "", "", DropTo),
        new Flow("DmaAddr", Map, "if (dma.MappingError($v)) $ret; var hdr = dma.MapSingle(buf, 64, 16, DmaDirection.ToDevice); if (dma.MappingError(hdr)) { dma.UnmapSingle($v, 64, DmaDirection.ToDevice); $ret; }",
            "post.Post(hdr, 16); post.Post($v, 64);", "", "", DropTo));

    /// <summary>DMA004: a sync for the CPU with another direction than the map's; twin: the map's direction.</summary>
    public static DefectCore Dma004b { get; } = new(
        "DMA004b",
        "DMA004",
        "sync direction differs from the map's",
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom),
        new Flow("DmaAddr", MapFrom, Checked, "dma.SyncForCpu($v, 64, DmaDirection.FromDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", "dma.UnmapSingle($v, 64, DmaDirection.FromDevice);", DropFrom));

    /// <summary>DMA005: the CPU writes a Bidirectional buffer, then hands it to the device, without taking it first; twin: SyncForCpu before the write.</summary>
    public static DefectCore Dma005b { get; } = new(
        "DMA005b",
        "DMA005",
        "CPU writes a bidirectional buffer the device owns",
        new Flow("DmaAddr", "$dma.MapSingle(buf, 0, 64, DmaDirection.Bidirectional)", Checked, "buf.Span[0] = 1; dma.SyncForDevice($v, 64, DmaDirection.Bidirectional);",
            "dma.UnmapSingle($v, 64, DmaDirection.Bidirectional);", "dma.UnmapSingle($v, 64, DmaDirection.Bidirectional);", DropBoth),
        new Flow("DmaAddr", "$dma.MapSingle(buf, 0, 64, DmaDirection.Bidirectional)", Checked, "dma.SyncForCpu($v, 64, DmaDirection.Bidirectional); buf.Span[0] = 1; dma.SyncForDevice($v, 64, DmaDirection.Bidirectional);",
            "dma.UnmapSingle($v, 64, DmaDirection.Bidirectional);", "dma.UnmapSingle($v, 64, DmaDirection.Bidirectional);", DropBoth));

    /// <summary>DMA006: posted to the ring after its unmap; twin: posted, the unmap left to the completion path.</summary>
    public static DefectCore Dma006b { get; } = new(
        "DMA006b",
        "DMA006",
        "mapping posted to the ring after its unmap",
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice); post.Post($v, 64);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo),
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "post.Post($v, 64);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo));

    /// <summary>DMA007: the decision read from <c>DmaApi.BypassesTranslation</c>, a translation query the rule page does not list.</summary>
    public static DefectCore Dma007b { get; } = new(
        "DMA007b",
        "DMA007",
        "the same decision read from `DmaApi.BypassesTranslation`",
        Dma007a.Defect with { Produce = "device.Dma.BypassesTranslation" },
        Dma007a.Twin with { Produce = "device.Dma.BypassesTranslation" });

    /// <summary>DMA008: <c>default</c> synced and unmapped as if it were a mapping; twin: a checked mapping.</summary>
    public static DefectCore Dma008b { get; } = new(
        "DMA008b",
        "DMA008",
        "`default` synced and unmapped",
        new Flow("DmaAddr", "default(DmaAddr)", "", "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);"),
        new Flow("DmaAddr", Map, Checked, "dma.SyncForDevice($v, 64, DmaDirection.ToDevice);",
            "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", "dma.UnmapSingle($v, 64, DmaDirection.ToDevice);", DropTo));

    /// <summary>Every core, in rule order (the first two of each rule, then the ones in <c>Cores.Reported.cs</c>).</summary>
    /// <remarks>Read lazily: the cores are initialised in two files of a partial class, whose initialisers' order is the compiler's.</remarks>
    public static IReadOnlyList<DefectCore> All => AllCores.Value;

    private static readonly Lazy<IReadOnlyList<DefectCore>> AllCores = new(InRuleOrder);

    private static IReadOnlyList<DefectCore> InRuleOrder() =>
        [
            Dma001a, Dma001b, Dma001c, Dma001d, Dma002a, Dma002b, Dma002c, Dma002d, Dma003a, Dma003b, Dma003c, Dma003d, Dma003e,
            Dma004a, Dma004b, Dma004c, Dma004d, Dma005a, Dma005b, Dma005c, Dma005d, Dma006a, Dma006b, Dma006c, Dma006d,
            Dma007a, Dma007b, Dma007c, Dma007d, Dma008a, Dma008b, Dma008c, Dma008d,
        ];
}
