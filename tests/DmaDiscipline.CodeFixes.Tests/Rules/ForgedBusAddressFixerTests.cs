using V = DmaDiscipline.CodeFixes.Tests.Infrastructure.Verify<DmaDiscipline.CodeFixes.Rules.ForgedBusAddressFixer>;

namespace DmaDiscipline.CodeFixes.Tests.Rules;

/// <summary>DMA008 → a bus address rebuilt from the buffer's physical address becomes the mapping of that buffer.</summary>
public sealed class ForgedBusAddressFixerTests
{
    [Fact]
    public Task Sync_of_a_forged_address_uses_the_mapping_in_scope() => V.FixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                dma.SyncForDevice({|#0:new DmaAddr(buffer.PhysicalAddress.Value)|}, 64, DmaDirection.ToDevice);
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma, Ring ring, KBuffer buffer)
            {
                var addr = dma.MapSingle(buffer, 0, 64, DmaDirection.ToDevice);
                if (dma.MappingError(addr))
                {
                    return;
                }

                dma.SyncForDevice(addr, 64, DmaDirection.ToDevice);
                dma.UnmapSingle(addr, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));

    [Fact]
    public Task No_fix_for_an_address_forged_from_a_constant() => V.NoFixAsync(
        """
        using DmaDiscipline.Runtime;

        sealed class Driver
        {
            public void Send(DmaApi dma)
            {
                dma.SyncForDevice({|#0:new DmaAddr(0x1000)|}, 64, DmaDirection.ToDevice);
            }
        }
        """,
        V.Diagnostic("DMA008").WithLocation(0));
}
