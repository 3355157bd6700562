using DmaDiscipline.Analyzers.Rules;
using DmaDiscipline.Analyzers.Tests.Infrastructure;

namespace DmaDiscipline.Analyzers.Tests.Rules;

/// <summary>
/// Long-lived mappings (released elsewhere by design: page tables, pools) declared by
/// [PersistentMapping] or the symbols-file role map-persistent owe no release (DMA002) but keep the
/// other rules; a map that returns no handle is not taken for an in-place scatter-gather map.
/// </summary>
public sealed class LongLivedMappingTests
{
    private const string Mmu = """
        class Mmu
        {
            private readonly DmaApi _dma;
            public Mmu(DmaApi dma) { _dma = dma; }
            [PersistentMapping] public DmaAddr MapForDeviceLifetime(KBuffer buffer, int length, DmaDirection direction) => _dma.MapSingle(buffer, 0, length, direction);
            [DmaApiRole(DmaApiRole.Map)] public DmaAddr MapOnce(KBuffer buffer, int length, DmaDirection direction) => _dma.MapSingle(buffer, 0, length, direction);
            [DmaApiRole(DmaApiRole.Unmap)] public void Unmap(DmaAddr address, int length, DmaDirection direction) => _dma.UnmapSingle(address, length, direction);
            [DmaApiRole(DmaApiRole.MappingErrorCheck)] public bool Failed(DmaAddr address) => _dma.MappingError(address);
        }

        """;

    [Fact]
    public Task A_persistent_mapping_owes_no_release_on_any_path() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(Mmu + """
            class D
            {
                bool F(Mmu mmu, KBuffer table, IRing ring, bool ready)
                {
                    var a = mmu.MapForDeviceLifetime(table, 4096, DmaDirection.ToDevice);
                    if (mmu.Failed(a)) return false;
                    if (!ready) return false;
                    Log.Info("page table mapped");
                    return true;
                }
            }
            """);

    [Fact]
    public Task A_persistent_mapping_keeps_the_other_rules() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(Mmu + """
            class D
            {
                void F(Mmu mmu, KBuffer table, KBuffer rx, IRing ring)
                {
                    var a = mmu.MapForDeviceLifetime(table, 4096, DmaDirection.ToDevice);
                    ring.Post({|DMA003:a|}, 4096);
                    var b = mmu.MapForDeviceLifetime(rx, 64, DmaDirection.FromDevice);
                    if (mmu.Failed(b)) return;
                    var first = {|DMA005:rx.Span|}[0];
                    mmu.Unmap(b, {|DMA004:32|}, DmaDirection.FromDevice);
                    ring.Post({|DMA006:b|}, 64);
                }
            }
            """);

    [Fact]
    public Task An_ordinary_map_beside_it_is_still_owed_a_release() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(Mmu + """
            class D
            {
                void F(Mmu mmu, KBuffer table, KBuffer buf)
                {
                    var pinned = mmu.MapForDeviceLifetime(table, 4096, DmaDirection.ToDevice);
                    if (mmu.Failed(pinned)) return;
                    var a = {|DMA002:mmu.MapOnce(buf, 64, DmaDirection.ToDevice)|};
                    if (mmu.Failed(a)) return;
                }
            }
            """);

    private const string Gpu = """
        namespace Gpu
        {
            public enum XferDirection { ToDevice, FromDevice }
            public readonly struct Iova { public Iova(ulong value) { Value = value; } public ulong Value { get; } }
            public sealed class Buf { public byte[] Data = new byte[64]; }
            public sealed class SgList { public Iova Entry(int index) => default; }
            public sealed class Context { }
            public sealed class Mmu
            {
                public Iova MapPages(Buf buf, int length, XferDirection direction) => default;
                public void MapAt(Context context, ulong iova, Buf buf, int length) { }
                public int MapList(SgList list, XferDirection direction) => 1;
                public void UnmapList(SgList list, XferDirection direction) { }
                public bool Failed(Iova address) => false;
            }
        }

        """;

    private const string GpuSymbols = """
        T:Gpu.Iova ; bus-address
        M:Gpu.Mmu.MapPages(Gpu.Buf,System.Int32,Gpu.XferDirection) ; map-persistent
        M:Gpu.Mmu.MapAt(Gpu.Context,System.UInt64,Gpu.Buf,System.Int32) ; map
        M:Gpu.Mmu.MapList(Gpu.SgList,Gpu.XferDirection) ; map
        M:Gpu.Mmu.UnmapList(Gpu.SgList,Gpu.XferDirection) ; unmap
        M:Gpu.Mmu.Failed(Gpu.Iova) ; mapping-error-check
        """;

    [Fact]
    public Task The_map_persistent_role_owes_no_release_but_is_checked() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(Gpu + """
            class D
            {
                void F(Gpu.Mmu mmu, Gpu.Buf buf, Regs regs, bool ready)
                {
                    var table = mmu.MapPages(buf, 4096, Gpu.XferDirection.ToDevice);
                    if (!ready) return;
                    regs.QueueDesc = {|DMA003:table.Value|};
                }
            }
            """,
            [("DmaDiscipline.txt", GpuSymbols)]);

    [Fact]
    public Task A_map_returning_nothing_is_not_taken_for_scatter_gather() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(Gpu + """
            class D
            {
                void F(Gpu.Mmu mmu, Gpu.Context context, Gpu.Buf buf, bool ready)
                {
                    mmu.MapAt(context, 0x1000, buf, 4096);
                    if (!ready) return;
                    Log.Info("mapped");
                }
            }
            """,
            [("DmaDiscipline.txt", GpuSymbols)]);

    [Fact]
    public Task A_map_of_a_list_that_receives_bus_addresses_is_scatter_gather() =>
        Verify<MappingLifecycleAnalyzer>.Analyzer(Gpu + """
            class D
            {
                void F(Gpu.Mmu mmu, Gpu.SgList list, bool ready)
                {
                    if ({|DMA002:mmu.MapList(list, Gpu.XferDirection.ToDevice)|} == 0) return;
                    if (!ready) return;
                    mmu.UnmapList(list, Gpu.XferDirection.ToDevice);
                }
            }
            """,
            [("DmaDiscipline.txt", GpuSymbols)]);
}
